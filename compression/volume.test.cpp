// Proves volumes of any shape, padded or not, round-trip exactly, and bad files are refused.
#include "compression/volume.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/testing.hpp"

namespace strata::compression {
namespace {

std::string make_volume(const volume_shape& shape, std::mt19937& random) {
  std::string data(shape.voxels(), '\0');
  for (std::uint64_t n = 0; n < data.size(); ++n) {
    const std::uint64_t z = n / (std::uint64_t{shape.ny} * shape.nx);
    data[n] = static_cast<char>(z < shape.nz / 2 ? 3 + (n % shape.nx) / 20 : random() % 4 == 0);
  }
  return data;
}

TEST(volume, shapes_round_trip_exactly) {
  const unsigned seed = base::test_seed("volume.shapes_round_trip_exactly");
  std::mt19937 random(seed);
  for (const volume_shape shape : {volume_shape{1, 1, 1}, volume_shape{32, 32, 32},
                                   volume_shape{33, 7, 65}, volume_shape{70, 40, 31}}) {
    const std::string data = make_volume(shape, random);
    selector s;
    std::string file;
    volume_stats stats;
    ASSERT_TRUE(compress_volume(data, shape, s, file, &stats).ok());
    volume_shape read_shape;
    auto back = decompress_volume(file, &read_shape);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, data) << shape.nz << "," << shape.ny << "," << shape.nx << " seed " << seed;
    EXPECT_EQ(read_shape.nx, shape.nx);
    EXPECT_EQ(stats.chunks, std::uint64_t{(shape.nz + 31) / 32} * ((shape.ny + 31) / 32) *
                                ((shape.nx + 31) / 32));
  }
}

TEST(volume, bad_input_and_files_are_refused) {
  selector s;
  std::string file;
  EXPECT_EQ(compress_volume("abc", {1, 1, 4}, s, file).error().code, base::errc::invalid_argument);
  EXPECT_EQ(compress_volume("", {0, 1, 1}, s, file).error().code, base::errc::invalid_argument);
  std::mt19937 random(1);
  const volume_shape shape{40, 40, 40};
  ASSERT_TRUE(compress_volume(make_volume(shape, random), shape, s, file).ok());
  EXPECT_EQ(decompress_volume("nope").error().code, base::errc::corrupt_data);
  std::string other = file;
  other[4] = 9;
  EXPECT_EQ(decompress_volume(other).error().code, base::errc::unsupported_version);
  for (std::size_t size = 0; size < file.size(); size += 1 + size / 4)
    EXPECT_FALSE(decompress_volume(file.substr(0, size)).ok()) << size;
  EXPECT_FALSE(decompress_volume(file + "x").ok());
  EXPECT_EQ(decompress_volume(file, nullptr, 1000).error().code, base::errc::limit_exceeded);
}

}  // namespace
}  // namespace strata::compression
