// Proves the .npz/.npy reader reads the real DEMs exactly and refuses truncated, corrupted and
// unsupported input with an error, never a crash.
#include "geology/npz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "base/testing.hpp"
#include "geology/dem.hpp"

namespace strata::geology {
namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

TEST(npz, reads_topobathy_stored_members) {
  auto arrays = read_npz(std::string(matplotlib_sample_data) + "/topobathy.npz");
  ASSERT_TRUE(arrays.ok()) << arrays.error().to_string();
  ASSERT_EQ(arrays->count("topo"), 1u);
  const npy_array& topo = arrays->at("topo");
  EXPECT_EQ(topo.dtype, "<f4");
  EXPECT_EQ(topo.shape, (std::vector<std::size_t>{91, 120}));
  ASSERT_EQ(topo.values.size(), 91u * 120u);
  // Values read off the file independently (Python's zipfile and struct).
  EXPECT_EQ(topo.values[0], -1405.0);
  EXPECT_EQ(topo.values[1], -1437.0);
  EXPECT_EQ(topo.values.back(), 1015.0);
  EXPECT_EQ(*std::min_element(topo.values.begin(), topo.values.end()), -1437.0);
  EXPECT_EQ(*std::max_element(topo.values.begin(), topo.values.end()), 2205.0);
  EXPECT_EQ(arrays->at("latitude").shape, (std::vector<std::size_t>{91}));
  EXPECT_FLOAT_EQ(arrays->at("longitude").values[0], 234.01669311523438f);
}

TEST(npz, reads_jacksboro_deflated_members_and_scalars) {
  auto arrays = read_npz(std::string(matplotlib_sample_data) + "/jacksboro_fault_dem.npz");
  ASSERT_TRUE(arrays.ok()) << arrays.error().to_string();
  const npy_array& elevation = arrays->at("elevation");
  EXPECT_EQ(elevation.dtype, "<i2");
  EXPECT_EQ(elevation.shape, (std::vector<std::size_t>{344, 403}));
  EXPECT_EQ(elevation.values[0], 483);
  EXPECT_EQ(elevation.values.back(), 272);
  EXPECT_TRUE(arrays->at("dx").shape.empty());
  EXPECT_DOUBLE_EQ(arrays->at("xmin").values[0], -84.41375);
}

TEST(npz, parses_each_supported_dtype) {
  const std::string le16("\x01\x00\xff\xff", 4);
  auto i2 = parse_npy(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", le16));
  ASSERT_TRUE(i2.ok()) << i2.error().to_string();
  EXPECT_EQ(i2->values, (std::vector<double>{1, -1}));
  auto u2 = parse_npy(npy("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", le16));
  ASSERT_TRUE(u2.ok());
  EXPECT_EQ(u2->values, (std::vector<double>{1, 65535}));
  double pair[2] = {0.5, -2.25};
  auto f8 = parse_npy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }",
                          std::string(reinterpret_cast<char*>(pair), sizeof pair)));
  ASSERT_TRUE(f8.ok());
  EXPECT_EQ(f8->values, (std::vector<double>{0.5, -2.25}));
  auto u1 = parse_npy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", "\x07"));
  ASSERT_TRUE(u1.ok());
  EXPECT_TRUE(u1->shape.empty());
  EXPECT_EQ(u1->values, (std::vector<double>{7}));
}

TEST(npz, refuses_unsupported_and_inconsistent_npy) {
  auto code = [](const std::string& bytes) { return parse_npy(bytes).error().code; };
  EXPECT_EQ(code(npy("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }", "ab")),
            base::errc::unsupported_version);
  EXPECT_EQ(code(npy("{'descr': '<i2', 'fortran_order': True, 'shape': (1,), }", "ab")),
            base::errc::unsupported_version);
  EXPECT_EQ(code(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "abcdefgh")),
            base::errc::unsupported_version);
  EXPECT_EQ(code(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", "ab")),
            base::errc::parse_error);
  EXPECT_EQ(code(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (x,), }", "ab")),
            base::errc::parse_error);
  EXPECT_EQ(
      code(npy("{'descr': '<i2', 'fortran_order': False, 'shape': (99999999999999,), }", "ab")),
      base::errc::limit_exceeded);
  EXPECT_EQ(code("not numpy at all"), base::errc::parse_error);
  EXPECT_EQ(code(""), base::errc::parse_error);
}

TEST(npz, a_flipped_bit_fails_the_crc) {
  std::string bytes = read_bytes(std::string(matplotlib_sample_data) + "/topobathy.npz");
  ASSERT_GT(bytes.size(), 20000u);
  bytes[20000] = static_cast<char>(bytes[20000] ^ 0x10);  // inside topo's data
  auto arrays = parse_npz(bytes);
  ASSERT_FALSE(arrays.ok());
  EXPECT_EQ(arrays.error().code, base::errc::corrupt_data);
  EXPECT_NE(arrays.error().message.find("CRC-32"), std::string::npos);
}

// Every prefix and many random corruptions of both real files: errors are fine, crashes are not
// (run under the sanitizer build to also catch reads out of bounds).
TEST(npz, truncated_and_mutated_archives_never_crash) {
  const unsigned seed = base::test_seed("npz.truncated_and_mutated_archives_never_crash");
  std::mt19937 random(seed);
  for (const char* file : {"/topobathy.npz", "/jacksboro_fault_dem.npz"}) {
    const std::string good = read_bytes(std::string(matplotlib_sample_data) + file);
    ASSERT_TRUE(parse_npz(good).ok());
    for (std::size_t size = 0; size < good.size(); size += 1 + size / 16)
      EXPECT_FALSE(parse_npz(good.substr(0, size)).ok()) << file << " prefix " << size;
    for (int n = 0; n < 300; ++n) {
      std::string bad = good;
      const int flips = 1 + static_cast<int>(random() % 8);
      for (int f = 0; f < flips; ++f)
        bad[random() % bad.size()] = static_cast<char>(random());
      (void)parse_npz(bad);  // any result but a crash
    }
  }
  const npz_limits tight{.file_bytes_max = 1000};
  EXPECT_EQ(read_npz(std::string(matplotlib_sample_data) + "/topobathy.npz", tight).error().code,
            base::errc::limit_exceeded);
  EXPECT_EQ(read_npz("/nonexistent/strata.npz").error().code, base::errc::not_found);
}

}  // namespace
}  // namespace strata::geology
