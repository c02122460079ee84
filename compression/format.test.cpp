// Proves the chunk byte format round-trips every codec pairing, lays out its header as documented,
// and refuses other versions, unknown codecs, truncation, missing baselines and any corruption the
// checksum can see.
#include "compression/format.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/testing.hpp"

namespace strata::compression {
namespace {

chunk layered_chunk() {
  chunk c;
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x) {
        c.material[voxel_index(x, y, z)] = z < 6 + x / 4 ? 7 : z < 20 ? 3 : 0;
        c.history[voxel_index(x, y, z)] = z == 19 ? 0x10 : 0;
      }
  return c;
}

TEST(format, header_is_laid_out_as_documented) {
  const chunk c = layered_chunk();
  std::string bytes;
  ASSERT_TRUE(encode_chunk(c, {codec_id::column_layers, codec_id::run_length, 3}, bytes));
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[1], static_cast<char>(codec_id::column_layers));
  EXPECT_EQ(bytes[2], static_cast<char>(codec_id::run_length));
  std::uint64_t stored = 0;
  for (int n = 0; n < 8; ++n)
    stored |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes[3 + n])) << (8 * n);
  EXPECT_EQ(stored, checksum(c));
  auto header = read_header(bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->material, codec_id::column_layers);
  EXPECT_EQ(header->checksum, checksum(c));
}

TEST(format, every_codec_pairing_round_trips) {
  const chunk c = layered_chunk();
  chunk baseline = c;
  baseline.material[12345] = 99;
  for (codec_id material :
       {codec_id::run_length, codec_id::palette, codec_id::octree, codec_id::column_layers,
        codec_id::zstd, codec_id::zstd_transform, codec_id::baseline_delta}) {
    for (codec_id history : {codec_id::run_length, codec_id::zstd, codec_id::baseline_delta}) {
      std::string bytes;
      ASSERT_TRUE(encode_chunk(c, {material, history, 5}, bytes, &baseline));
      chunk decoded;
      auto status = decode_chunk(bytes, decoded, &baseline);
      ASSERT_TRUE(status.ok()) << name(material) << "/" << name(history) << ": "
                               << status.error().to_string();
      EXPECT_EQ(decoded, c);
    }
  }
}

TEST(format, a_chunk_equal_to_its_baseline_is_header_only) {
  const chunk c = layered_chunk();
  std::string bytes;
  ASSERT_TRUE(encode_chunk(c, {codec_id::baseline_delta, codec_id::baseline_delta}, bytes, &c));
  EXPECT_EQ(bytes.size(), header_bytes + 1);  // the header and a zero material length
  chunk decoded;
  auto missing = decode_chunk(bytes, decoded);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, base::errc::invalid_argument);
  ASSERT_TRUE(decode_chunk(bytes, decoded, &c).ok());
  EXPECT_EQ(decoded, c);
}

TEST(format, the_fast_path_is_uniform_or_run_length) {
  chunk c = layered_chunk();
  c.history.fill(0);
  std::string bytes;
  encode_fast(c, bytes);
  auto header = read_header(bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->material, codec_id::run_length);
  EXPECT_EQ(header->history, codec_id::uniform);
  chunk decoded;
  ASSERT_TRUE(decode_chunk(bytes, decoded).ok());
  EXPECT_EQ(decoded, c);
}

TEST(format, inapplicable_codecs_leave_out_untouched) {
  const chunk c = layered_chunk();
  std::string bytes = "keep";
  EXPECT_FALSE(encode_chunk(c, {codec_id::uniform, codec_id::run_length}, bytes));
  EXPECT_FALSE(encode_chunk(c, {codec_id::run_length, codec_id::uniform}, bytes));
  EXPECT_EQ(bytes, "keep");
}

TEST(format, bad_bytes_are_refused) {
  const chunk c = layered_chunk();
  std::string bytes;
  ASSERT_TRUE(encode_chunk(c, {codec_id::column_layers, codec_id::run_length}, bytes));
  chunk out;
  auto code = [&out](const std::string& b) {
    auto status = decode_chunk(b, out);
    return status.ok() ? base::errc{} : status.error().code;
  };
  std::string other = bytes;
  other[0] = 2;
  EXPECT_EQ(code(other), base::errc::unsupported_version);
  other = bytes;
  other[1] = 77;
  EXPECT_EQ(code(other), base::errc::corrupt_data);
  EXPECT_EQ(code(""), base::errc::corrupt_data);
  for (std::size_t size = 1; size < bytes.size(); ++size)
    EXPECT_NE(code(bytes.substr(0, size)), base::errc{}) << size;
  // Every single-bit flip anywhere is refused by a decoder or the checksum, or still decodes to
  // exactly the original (flipping run-length's walk between x-first and y-first changes nothing
  // in a channel that is constant in each z-slice): never to different data.
  int refused = 0;
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      other = bytes;
      other[at] = static_cast<char>(other[at] ^ (1 << bit));
      if (decode_chunk(other, out).ok()) {
        EXPECT_EQ(out, c) << "byte " << at << " bit " << bit;
      } else {
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, static_cast<int>(bytes.size() * 8 - 8));
}

TEST(format, random_chunks_round_trip_with_random_codecs) {
  const unsigned seed = base::test_seed("format.random_chunks_round_trip_with_random_codecs");
  std::mt19937 random(seed);
  const codec_id choices[] = {codec_id::run_length,    codec_id::palette, codec_id::octree,
                              codec_id::column_layers, codec_id::zstd,    codec_id::zstd_transform};
  for (int n = 0; n < 40; ++n) {
    chunk c;
    const int values = 1 + static_cast<int>(random() % 6);
    for (std::size_t v = 0; v < voxels; ++v) {
      c.material[v] = static_cast<std::uint8_t>(random() % values);
      c.history[v] = static_cast<std::uint8_t>((random() % 8 == 0) << (random() % 8));
    }
    const encode_choice choice{choices[random() % 6], choices[random() % 6],
                               1 + static_cast<int>(random() % 9), choices[random() % 4]};
    std::string bytes;
    ASSERT_TRUE(encode_chunk(c, choice, bytes));
    chunk decoded;
    auto status = decode_chunk(bytes, decoded);
    ASSERT_TRUE(status.ok()) << status.error().to_string() << " seed " << seed;
    ASSERT_EQ(decoded, c) << "seed " << seed;
  }
}

}  // namespace
}  // namespace strata::compression
