// Proves files read back what was written, and missing, oversized and unwritable files are errors.
#include "base/file.hpp"

#include <gtest/gtest.h>

namespace strata::base {
namespace {

TEST(file, round_trip_and_errors) {
  const std::string path = ::testing::TempDir() + "/strata_file_test.bin";
  const std::string bytes("a\0b\xff", 4);
  ASSERT_TRUE(write_file(path, bytes).ok());
  auto read = read_file(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, bytes);
  EXPECT_EQ(read_file(path, 3).error().code, errc::limit_exceeded);
  EXPECT_EQ(read_file("/nonexistent/strata").error().code, errc::not_found);
  auto unwritable = write_file("/nonexistent/dir/strata", bytes);
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.error().message.find("/nonexistent/dir/strata"), std::string::npos);
}

}  // namespace
}  // namespace strata::base
