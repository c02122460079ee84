// Proves the error table is consistent and result<T> holds what it is given.
#include <gtest/gtest.h>

#include <set>

#include "base/error.hpp"
#include "base/result.hpp"

namespace strata::base {
namespace {

TEST(error, every_code_has_a_unique_number_name_and_description) {
  std::set<int> numbers;
  std::set<std::string_view> names;
#define STRATA_X(code_name, number, code_kind, text)        \
  EXPECT_TRUE(numbers.insert(number).second) << #code_name; \
  EXPECT_TRUE(names.insert(name(errc::code_name)).second);  \
  EXPECT_EQ(name(errc::code_name), #code_name);             \
  EXPECT_EQ(kind(errc::code_name), error_kind::code_kind);  \
  EXPECT_FALSE(description(errc::code_name).empty());
  STRATA_ERROR_CODES(STRATA_X)
#undef STRATA_X
  EXPECT_EQ(name(static_cast<errc>(9999)), "unknown");
}

TEST(error, numbers_are_stable) {
  // These numbers travel in replies and logs: changing one breaks every peer that knows it.
  EXPECT_EQ(static_cast<int>(errc::invalid_argument), 1);
  EXPECT_EQ(static_cast<int>(errc::out_of_range), 2);
  EXPECT_EQ(static_cast<int>(errc::overloaded), 9);
  EXPECT_EQ(kind(errc::overloaded), error_kind::overloaded);
  EXPECT_EQ(kind(errc::unavailable), error_kind::retryable);
}

TEST(result, holds_a_value_or_an_error) {
  result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  result<int> bad = fail(errc::out_of_range, "k 99 is above 63");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, errc::out_of_range);
  EXPECT_EQ(bad.error().to_string(), "out_of_range: k 99 is above 63");
  status fine;
  EXPECT_TRUE(fine.ok());
  status broken = fail(errc::io_error, "disk");
  EXPECT_FALSE(broken.ok());
}

TEST(result_death, reading_the_value_of_an_error_aborts) {
  result<int> bad = fail(errc::parse_error, "x");
  EXPECT_DEATH((void)bad.value(), "value\\(\\) of a result that holds an error");
}

}  // namespace
}  // namespace strata::base
