// Proves the JSON writer emits valid, escaped, round-trippable JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "base/json.hpp"

namespace strata::base {
namespace {

TEST(json, writes_nested_values_with_escapes) {
  json_writer w;
  w.begin_object()
      .key("name")
      .value("a \"quoted\"\n\x01")
      .key("list")
      .begin_array()
      .value(1)
      .value(-2.5)
      .value(true)
      .null()
      .end_array()
      .key("big")
      .value(std::uint64_t{18446744073709551615ull})
      .key("nan")
      .value(std::numeric_limits<double>::quiet_NaN())
      .end_object();
  EXPECT_EQ(w.str(), R"({"name":"a \"quoted\"\n\u0001","list":[1,-2.5,true,null],)"
                     R"("big":18446744073709551615,"nan":null})");
}

TEST(json, doubles_round_trip) {
  json_writer w;
  w.begin_array().value(0.1).value(48.123456789012345).end_array();
  EXPECT_EQ(w.str(), "[0.1,48.123456789012344]");
}

}  // namespace
}  // namespace strata::base
