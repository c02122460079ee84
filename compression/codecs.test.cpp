// Proves every codec round-trips bit-exactly on random, structured and adversarial channels, and
// that each decoder refuses truncated, padded and inconsistent payloads without reading out of
// bounds (run under ./make.sh asan to check the last part).
#include "compression/codecs.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>

#include "base/testing.hpp"

namespace strata::compression {
namespace {

// Channels that exercise the codecs' edges, named for failure messages.
std::vector<std::pair<std::string, channel>> sample_channels(std::mt19937& random) {
  std::vector<std::pair<std::string, channel>> samples;
  channel c{};
  samples.emplace_back("zeros", c);
  c.fill(255);
  samples.emplace_back("all 255", c);
  c.fill(7);
  c[voxels - 1] = 8;
  samples.emplace_back("one voxel differs at the end", c);
  for (std::size_t n = 0; n < voxels; ++n)
    c[n] = static_cast<std::uint8_t>(n & 1);
  samples.emplace_back("alternating", c);
  for (std::size_t n = 0; n < voxels; ++n)
    c[n] = static_cast<std::uint8_t>(n);
  samples.emplace_back("all 256 values", c);
  for (std::size_t n = 0; n < voxels; ++n)
    c[n] = static_cast<std::uint8_t>(random());
  samples.emplace_back("random bytes", c);
  for (std::size_t n = 0; n < voxels; ++n)
    c[n] = static_cast<std::uint8_t>(random() % 3 * 40);
  samples.emplace_back("three random values", c);
  // Layers whose tops vary per column: the shape of real strata.
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x)
        c[voxel_index(x, y, z)] = z < 8 + (x + y) / 8 ? 9 : z < 20 + x / 6 ? 4 : 0;
  samples.emplace_back("dipping layers", c);
  for (int n = 0; n < 20; ++n) {
    const int values = 1 + static_cast<int>(random() % 20);
    const int run = 1 + static_cast<int>(random() % 500);
    std::uint8_t value = 0;
    for (std::size_t v = 0; v < voxels; ++v) {
      if (v % run == 0)
        value = static_cast<std::uint8_t>(random() % values);
      c[v] = value;
    }
    samples.emplace_back(
        "runs of " + std::to_string(run) + " over " + std::to_string(values) + " values", c);
  }
  return samples;
}

using encoder = std::function<bool(channel_view, std::string&)>;
using decoder = std::function<base::status(std::string_view, channel_span)>;

struct codec_case {
  std::string name;
  encoder encode;
  decoder decode;
};

std::vector<codec_case> codecs() {
  std::vector<codec_case> cases{{"uniform", encode_uniform, decode_uniform},
                                {"palette", encode_palette, decode_palette}};
  for (int w = 0; w < walks; ++w) {
    cases.push_back({"run_length/" + std::to_string(w),
                     [w](channel_view in, std::string& out) {
                       return encode_run_length(in, static_cast<walk>(w), out);
                     },
                     decode_run_length});
  }
  return cases;
}

TEST(codecs, walks_visit_every_voxel_once) {
  for (int w = 0; w < walks; ++w) {
    std::set<std::uint16_t> seen;
    for (std::size_t n = 0; n < voxels; ++n)
      seen.insert(walk_index(static_cast<walk>(w), n));
    EXPECT_EQ(seen.size(), voxels) << w;
  }
  // z_first climbs a column: consecutive steps are 1024 apart in storage.
  EXPECT_EQ(walk_index(walk::z_first, 1) - walk_index(walk::z_first, 0), 1024);
  EXPECT_EQ(walk_index(walk::morton, 7), voxel_index(1, 1, 1));
}

TEST(codecs, every_codec_round_trips_every_sample) {
  const unsigned seed = base::test_seed("codecs.every_codec_round_trips_every_sample");
  std::mt19937 random(seed);
  for (const auto& [sample_name, sample] : sample_channels(random)) {
    for (const codec_case& codec : codecs()) {
      std::string payload = "prefix";
      const bool applies = codec.encode(sample, payload);
      if (!applies) {
        EXPECT_EQ(payload, "prefix") << codec.name << " changed out when it did not apply";
        continue;
      }
      ASSERT_EQ(payload.substr(0, 6), "prefix");
      channel decoded{};
      auto status = codec.decode(std::string_view(payload).substr(6), decoded);
      ASSERT_TRUE(status.ok()) << codec.name << " on " << sample_name << ": "
                               << status.error().to_string() << " (seed " << seed << ")";
      ASSERT_EQ(decoded, sample) << codec.name << " on " << sample_name << " (seed " << seed << ")";
    }
  }
}

TEST(codecs, payload_sizes_are_as_documented) {
  channel c{};
  c.fill(3);
  std::string out;
  ASSERT_TRUE(encode_uniform(c, out));
  EXPECT_EQ(out, "\x03");
  out.clear();
  ASSERT_TRUE(encode_run_length(c, walk::x_first, out));
  EXPECT_EQ(out.size(), 1u + 1u + 3u);  // walk, value, varint(32767)
  c[100] = 9;
  out.clear();
  EXPECT_FALSE(encode_uniform(c, out));
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(encode_palette(c, out));
  EXPECT_EQ(out.size(), 1u + 2u + voxels / 8);  // 2 values: 1 bit each
  EXPECT_EQ(count_runs(c, walk::x_first), 3u);
  for (std::size_t n = 0; n < 17; ++n)
    c[n] = static_cast<std::uint8_t>(n);
  out.clear();
  ASSERT_TRUE(encode_palette(c, out));
  EXPECT_EQ(out.size(), 1u + 17u + voxels);  // 17 values: 8 bits each
}

TEST(codecs, decoders_refuse_inconsistent_payloads) {
  channel out{};
  auto refused = [&out](const decoder& decode, const std::string& payload) {
    auto status = decode(payload, out);
    return !status.ok() && status.error().code == base::errc::corrupt_data;
  };
  EXPECT_TRUE(refused(decode_uniform, ""));
  EXPECT_TRUE(refused(decode_uniform, "ab"));
  EXPECT_TRUE(refused(decode_run_length, ""));
  EXPECT_TRUE(refused(decode_run_length, std::string("\x04\x01\x00", 3)));          // no such walk
  EXPECT_TRUE(refused(decode_run_length, std::string("\x00\x01\x00", 3)));          // 1 voxel only
  EXPECT_TRUE(refused(decode_run_length, std::string("\x00\x01\x80\x80\x02", 5)));  // 32769
  EXPECT_TRUE(refused(decode_run_length, std::string("\x00\x01\xff\xff\x01\x00", 6)));  // padded
  std::string overflow("\x00\x01", 2);
  overflow += std::string(10, '\xff');
  EXPECT_TRUE(refused(decode_run_length, overflow));
  EXPECT_TRUE(refused(decode_palette, ""));
  EXPECT_TRUE(refused(decode_palette, std::string("\x02\x01\x02", 3)));  // 3 values, 2 given
  std::string descending("\x01\x05\x04", 3);
  descending += std::string(voxels / 8, '\0');
  EXPECT_TRUE(refused(decode_palette, descending));
  // Three values in 2-bit indices: index 3 does not exist.
  std::string past("\x02\x01\x02\x03", 4);
  past += std::string(voxels / 4, '\xff');
  EXPECT_TRUE(refused(decode_palette, past));
}

TEST(codecs, truncated_and_mutated_payloads_never_crash) {
  const unsigned seed = base::test_seed("codecs.truncated_and_mutated_payloads_never_crash");
  std::mt19937 random(seed);
  const auto samples = sample_channels(random);
  channel out{};
  for (const codec_case& codec : codecs()) {
    for (std::size_t s = 0; s < samples.size(); s += 3) {
      std::string payload;
      if (!codec.encode(samples[s].second, payload))
        continue;
      for (std::size_t size = 0; size < payload.size(); size += 1 + size / 8)
        EXPECT_FALSE(codec.decode(payload.substr(0, size), out).ok())
            << codec.name << " accepted a payload cut to " << size << " bytes";
      EXPECT_FALSE(codec.decode(payload + "x", out).ok()) << codec.name << " accepted padding";
      for (int n = 0; n < 50; ++n) {
        std::string bad = payload;
        bad[random() % bad.size()] = static_cast<char>(random());
        (void)codec.decode(bad, out);  // any result but a crash
      }
    }
  }
}

}  // namespace
}  // namespace strata::compression
