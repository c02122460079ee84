// Proves every codec round-trips bit-exactly on random, structured and adversarial channels, and
// that each decoder refuses truncated, padded and inconsistent payloads without reading out of
// bounds (run under ./make.sh asan to check the last part).
#include "compression/codecs.hpp"

#include <gtest/gtest.h>
#include <zstd.h>

#include <functional>
#include <random>
#include <set>

#include "base/testing.hpp"
#include "compression/format.hpp"

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
  // History flags: a few voxels set over a background that is not the first voxel's value, and
  // as many voxels off the background as run-length decoding writes one by one, and one more.
  c.fill(0);
  c[0] = 1;
  for (int n = 0; n < 90; ++n)
    c[random() % voxels] = static_cast<std::uint8_t>(1 + random() % 3);
  samples.emplace_back("sparse flags", c);
  for (std::size_t off : {voxels / 16, voxels / 16 + 1}) {
    c.fill(5);
    for (std::size_t n = 0; n < off; ++n)
      c[n * 7 % voxels] = 6;
    samples.emplace_back(std::to_string(off) + " voxels off the background", c);
  }
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
  std::vector<codec_case> cases{
      {"uniform", encode_uniform, decode_uniform},
      {"palette", encode_palette, decode_palette},
      {"octree", encode_octree, decode_octree},
      {"column_layers", encode_column_layers, decode_column_layers},
      {"predicted_layers", encode_predicted_layers, decode_predicted_layers},
      {"context_layers", encode_context_layers, decode_context_layers},
      {"surface_layers", encode_surface_layers, decode_surface_layers},
      {"ordered_surfaces", encode_ordered_surfaces, decode_ordered_surfaces},
      {"surface_bytes", encode_surface_bytes, decode_surface_bytes},
      {"zstd/1", [](channel_view in, std::string& out) { return encode_zstd(in, 1, out); },
       decode_zstd},
      {"zstd/19", [](channel_view in, std::string& out) { return encode_zstd(in, 19, out); },
       decode_zstd}};
  for (codec_id inner :
       {codec_id::run_length, codec_id::palette, codec_id::octree, codec_id::column_layers,
        codec_id::predicted_layers, codec_id::walk_raw, codec_id::surface_bytes}) {
    cases.push_back({"zstd_transform/" + std::string(name(inner)),
                     [inner](channel_view in, std::string& out) {
                       return encode_zstd_transform(in, inner, 3, out);
                     },
                     decode_zstd_transform});
  }
  // Baseline + delta against a fixed, unrelated baseline: every channel differs from it somewhere.
  static const channel baseline = [] {
    channel b{};
    for (std::size_t n = 0; n < voxels; ++n)
      b[n] = static_cast<std::uint8_t>(n * 7 % 5);
    return b;
  }();
  cases.push_back(
      {"baseline_delta",
       [](channel_view in, std::string& out) { return encode_baseline_delta(in, baseline, out); },
       [](std::string_view payload, channel_span out) {
         return decode_baseline_delta(payload, baseline, out);
       }});
  cases.push_back({"baseline_columns",
                   [](channel_view in, std::string& out) {
                     return encode_baseline_columns(in, baseline, 3, out);
                   },
                   [](std::string_view payload, channel_span out) {
                     return decode_baseline_columns(payload, baseline, out);
                   }});
  for (int w = 0; w < walks; ++w) {
    cases.push_back({"run_length/" + std::to_string(w),
                     [w](channel_view in, std::string& out) {
                       return encode_run_length(in, static_cast<walk>(w), out);
                     },
                     decode_run_length});
    cases.push_back({"walk_raw/" + std::to_string(w),
                     [w](channel_view in, std::string& out) {
                       return encode_walk_raw(in, static_cast<walk>(w), out);
                     },
                     decode_walk_raw});
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

TEST(codecs, structure_shrinks_the_structured_codecs) {
  // A chunk of flat layers: the octree, column layers and run-length along z are all tiny.
  channel layered{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned n = 0; n < edge * edge; ++n)
      layered[z << 10 | n] = z < 10 ? 5 : z < 12 ? 6 : 0;
  std::string octree, layers, runs;
  ASSERT_TRUE(encode_octree(layered, octree));
  ASSERT_TRUE(encode_column_layers(layered, layers));
  ASSERT_TRUE(encode_run_length(layered, walk::x_first, runs));
  // Layer tops at 10 and 12 are not on power-of-two boundaries, so the octree splits down to
  // 2-voxel cubes along z, but stays far below a byte per column.
  EXPECT_LT(octree.size(), 1000u);
  EXPECT_EQ(layers.size(), 1u + 3 * 2 + (edge * edge - 1));  // one column, then "same" markers
  // The walk, then 3 runs of 10240, 2048 and 20480 voxels: varints of 2, 2 and 3 bytes.
  EXPECT_EQ(runs.size(), 1u + (1 + 2) + (1 + 2) + (1 + 3));
}

TEST(codecs, surface_layers_code_tilted_strata_as_planes) {
  // Three surfaces: two quantised planes, and flat ground above them (air from 28 up), with a
  // layer (6) that pinches out where the planes meet. The sequence is 8, 6, 5, 0.
  channel tilted{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x) {
        const unsigned first = 3 + (5 * x + 9 * y) / 16, second = (112 + 3 * x - 2 * y) / 8;
        tilted[voxel_index(x, y, z)] = z >= 28 ? 0 : z < first ? 8 : z < second ? 6 : 5;
      }
  std::string payload;
  ASSERT_TRUE(encode_surface_layers(tilted, payload));
  // The values and three planes, each a few bytes: far below a bit per column.
  EXPECT_LT(payload.size(), 48u);
  channel decoded{};
  ASSERT_TRUE(decode_surface_layers(payload, decoded).ok());
  EXPECT_EQ(decoded, tilted);
  // Columns whose layers come in different orders (8 under 6 here, 6 under 8 there) share one
  // sequence that holds both.
  channel swapped = tilted;
  for (unsigned z = 0; z < 10; ++z)
    for (unsigned x = 0; x < edge; ++x)
      swapped[voxel_index(x, 0, z)] = z < 4 ? 6 : 8;
  payload.clear();
  ASSERT_TRUE(encode_surface_layers(swapped, payload));
  ASSERT_TRUE(decode_surface_layers(payload, decoded).ok());
  EXPECT_EQ(decoded, swapped);
  // A channel whose columns need more than 16 values in sequence is not for this codec.
  channel noise{};
  for (std::size_t n = 0; n < voxels; ++n)
    noise[n] = static_cast<std::uint8_t>(n * 2654435761u >> 24);
  payload = "kept";
  EXPECT_FALSE(encode_surface_layers(noise, payload));
  EXPECT_EQ(payload, "kept");
  // So is one where every column is the same 32 thin layers (found by the fuzz seed builder).
  channel thin{};
  for (std::size_t n = 0; n < voxels; ++n)
    thin[n] = static_cast<std::uint8_t>(n / (edge * edge));
  EXPECT_FALSE(encode_surface_layers(thin, payload));
  EXPECT_EQ(payload, "kept");
}

TEST(codecs, ordered_surfaces_let_the_ground_cut_off_beds) {
  // Beds on tilted planes (values 5, 6, 7 in turn, 6 voxels thick), cut off by rough ground,
  // with soil (3) two voxels thick on it and air (0) above: the ground and the soil follow no
  // plane. Coded bottom-up, every bed the ground cuts is a plane with an exception wherever the
  // ground is below it; coded after the ground, the clamp cuts it and the plane needs none.
  std::mt19937 random(7);
  std::array<int, edge * edge> ground;
  for (unsigned y = 0; y < edge; ++y)
    for (unsigned x = 0; x < edge; ++x)
      ground[x + edge * y] =
          16 + static_cast<int>(x / 4) - static_cast<int>(y / 5) + static_cast<int>(random() % 3);
  channel cut{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x) {
        const int top = ground[x + edge * y];
        const int bed = (static_cast<int>(z) * 16 + static_cast<int>(3 * x + 5 * y)) / 96;
        const int h = static_cast<int>(z);
        cut[voxel_index(x, y, z)] = static_cast<std::uint8_t>(h >= top       ? 0
                                                              : h >= top - 2 ? 3
                                                                             : 5 + bed % 3);
      }
  std::string bottom_up, ordered;
  ASSERT_TRUE(encode_surface_layers(cut, bottom_up));
  ASSERT_TRUE(encode_ordered_surfaces(cut, ordered));
  channel decoded{};
  ASSERT_TRUE(decode_ordered_surfaces(ordered, decoded).ok());
  EXPECT_EQ(decoded, cut);
  EXPECT_LT(ordered.size() * 4, bottom_up.size() * 3)
      << "ordered " << ordered.size() << " bytes, bottom-up " << bottom_up.size();
  // The payloads are not interchangeable: each codec reads its own.
  EXPECT_NE(ordered, bottom_up);
  // Cut short, the payload decodes to other decisions or is refused; never to this channel.
  const base::status shorter =
      decode_ordered_surfaces(ordered.substr(0, ordered.size() / 2), decoded);
  EXPECT_TRUE(!shorter.ok() || decoded != cut);
}

TEST(codecs, predicted_layers_leave_planar_strata_as_zero_residuals) {
  // Two boundaries on tilted planes: every column but the first three is predicted exactly.
  channel tilted{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x)
        tilted[voxel_index(x, y, z)] = z < 3 + (x + 2 * y) / 4 ? 8 : z < 20 + y / 3 ? 6 : 0;
  std::string payload;
  ASSERT_TRUE(encode_predicted_layers(tilted, payload));
  ASSERT_EQ(payload.size(), 1 + 3 + 2 + (edge * edge - 1) * 3u);
  std::size_t nonzero = 0;
  for (char byte : payload.substr(6))
    nonzero += byte != 0;
  // Residuals are zero except where the floor division steps, which planes do not predict exactly.
  EXPECT_LT(nonzero, edge * edge / 2);
  channel decoded{};
  ASSERT_TRUE(decode_predicted_layers(payload, decoded).ok());
  EXPECT_EQ(decoded, tilted);
}

TEST(codecs, context_layers_code_planar_strata_in_a_few_bits_per_column) {
  // The tilted planes above, and a third boundary whose values change along a line.
  channel strata{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x)
        strata[voxel_index(x, y, z)] = z < 3 + (x + 2 * y) / 4 ? 8
                                       : z < 20 + y / 3        ? 6
                                       : z < 27 - x / 8        ? (x + y < 30 ? 4 : 5)
                                                               : 0;
  std::string payload;
  ASSERT_TRUE(encode_context_layers(strata, payload));
  std::string predicted;
  ASSERT_TRUE(encode_predicted_layers(strata, predicted));
  // Most columns are one "exact" decision: under 2 bits per column, and a tenth of what
  // predicted layers leave for zstd.
  EXPECT_LT(payload.size(), edge * edge / 4);
  EXPECT_LT(payload.size() * 10, predicted.size());
  channel decoded{};
  ASSERT_TRUE(decode_context_layers(payload, decoded).ok());
  EXPECT_EQ(decoded, strata);
  // The encoder never ends a payload in a zero byte; one appended is refused.
  ASSERT_NE(payload.back(), '\0');
  EXPECT_FALSE(decode_context_layers(payload + std::string(1, '\0'), decoded).ok());
}

TEST(codecs, baseline_delta_is_empty_when_equal_and_small_when_close) {
  channel baseline{};
  for (std::size_t n = 0; n < voxels; ++n)
    baseline[n] = static_cast<std::uint8_t>(n % 11);
  std::string payload;
  ASSERT_TRUE(encode_baseline_delta(baseline, baseline, payload));
  EXPECT_TRUE(payload.empty());
  channel decoded{};
  ASSERT_TRUE(decode_baseline_delta(payload, baseline, decoded).ok());
  EXPECT_EQ(decoded, baseline);
  channel changed = baseline;
  changed[0] = 200;
  changed[5000] = 201;
  changed[5002] = 202;  // a gap of one equal voxel stays in the same span
  changed[voxels - 1] = 203;
  ASSERT_TRUE(encode_baseline_delta(changed, baseline, payload));
  // Spans: (skip 0, 1 value); (skip 4999 in 2 bytes, 3 values); (skip 27764 in 3 bytes, 1 value).
  EXPECT_EQ(payload.size(), 3u + 6u + 5u);
  ASSERT_TRUE(decode_baseline_delta(payload, baseline, decoded).ok());
  EXPECT_EQ(decoded, changed);
}

TEST(codecs, baseline_columns_code_a_changed_column_top_as_one_span) {
  // Beds whose tops vary; erosion lowers the ground of a tenth of the columns by a few voxels.
  channel baseline{};
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x)
        baseline[voxel_index(x, y, z)] = z < 10 + (x + y) / 4 ? 9 : z < 24 ? 4 : 0;
  std::string payload;
  ASSERT_TRUE(encode_baseline_columns(baseline, baseline, 3, payload));
  EXPECT_TRUE(payload.empty());
  channel decoded{};
  ASSERT_TRUE(decode_baseline_columns(payload, baseline, decoded).ok());
  EXPECT_EQ(decoded, baseline);
  channel eroded = baseline;
  for (unsigned y = 0; y < edge; ++y)
    for (unsigned x = 0; x < edge; x += 10)
      for (unsigned z = 20; z < 24; ++z)
        eroded[voxel_index(x, y, z)] = 0;
  std::string delta;
  ASSERT_TRUE(encode_baseline_delta(eroded, baseline, delta));
  payload.clear();
  ASSERT_TRUE(encode_baseline_columns(eroded, baseline, 3, payload));
  ASSERT_TRUE(decode_baseline_columns(payload, baseline, decoded).ok());
  EXPECT_EQ(decoded, eroded);
  // 128 columns changed: in storage order 4 spans per column, up the columns one; under zstd,
  // less again.
  EXPECT_LT(payload.size() * 4, delta.size());
  // Without the baseline it cannot decode: a chunk that needs one says so.
  chunk c;
  c.material = eroded;
  c.history.fill(0);
  chunk base;
  base.material = baseline;
  base.history.fill(0);
  std::string bytes;
  ASSERT_TRUE(
      encode_chunk(c, {codec_id::baseline_columns, codec_id::baseline_columns, 3}, bytes, &base));
  chunk out;
  EXPECT_EQ(decode_chunk(bytes, out).error().code, base::errc::invalid_argument);
  ASSERT_TRUE(decode_chunk(bytes, out, &base).ok());
  EXPECT_EQ(out, c);
}

TEST(codecs, dispatch_by_id_round_trips) {
  channel c{};
  for (std::size_t n = 0; n < voxels; ++n)
    c[n] = static_cast<std::uint8_t>(n / 3000);
  for (codec_id id : {codec_id::run_length, codec_id::palette, codec_id::octree,
                      codec_id::column_layers, codec_id::zstd, codec_id::zstd_transform}) {
    std::string payload;
    ASSERT_TRUE(encode_with(id, c, 3, payload)) << name(id);
    channel decoded{};
    ASSERT_TRUE(decode_with(id, payload, decoded).ok()) << name(id);
    EXPECT_EQ(decoded, c) << name(id);
  }
  channel out{};
  EXPECT_EQ(decode_with(static_cast<codec_id>(99), "x", out).error().code,
            base::errc::corrupt_data);
  EXPECT_EQ(name(static_cast<codec_id>(99)), "unknown");
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
  // The same along the other walks, which read the runs twice.
  for (char w : {'\x01', '\x02', '\x03'}) {
    EXPECT_TRUE(refused(decode_run_length, std::string(1, w) + std::string("\x01\x00", 2)));
    EXPECT_TRUE(refused(decode_run_length, std::string(1, w) + std::string("\x01\x80\x80\x02", 4)));
    EXPECT_TRUE(
        refused(decode_run_length, std::string(1, w) + std::string("\x01\xff\xff\x01\x00", 5)));
  }
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
  EXPECT_TRUE(refused(decode_octree, ""));
  EXPECT_TRUE(refused(decode_octree, std::string("\x01\x01", 2)));  // a split with no children
  EXPECT_TRUE(refused(decode_octree, std::string("\x01\x00\x07\x07", 4)));     // a value too many
  EXPECT_TRUE(refused(decode_column_layers, std::string(1, '\0')));            // repeats nothing
  EXPECT_TRUE(refused(decode_column_layers, std::string("\x01\x05\x1e", 3)));  // 31 of 32
  EXPECT_TRUE(refused(decode_column_layers, std::string("\x21", 1)));          // 33 layers
  EXPECT_TRUE(refused(decode_predicted_layers, std::string(1, '\0')));         // no reference
  EXPECT_TRUE(refused(decode_predicted_layers, std::string("\x02\x01\x02\x00", 4)));  // top 0
  EXPECT_TRUE(refused(decode_predicted_layers, std::string("\x21", 1)));              // 33 layers
  // Bytes whose decisions make a layer end at its own start or repeat the value below it.
  EXPECT_TRUE(refused(decode_context_layers, std::string(8, '\xff')));
  // Decisions that repeat a value (all ones: 16 values of 255), or leave bytes unread.
  EXPECT_TRUE(refused(decode_surface_layers, std::string(8, '\xff')));
  EXPECT_TRUE(refused(decode_ordered_surfaces, std::string(8, '\xff')));
  EXPECT_TRUE(refused(decode_surface_bytes, ""));
  EXPECT_TRUE(refused(decode_surface_bytes, std::string(1, '\0')));            // no values
  EXPECT_TRUE(refused(decode_surface_bytes, std::string("\x11", 1)));          // 17 values
  EXPECT_TRUE(refused(decode_surface_bytes, std::string("\x02\x05\x05", 3)));  // repeats
  // Two values, surface 1 a constant: at 33 (past the top), at 4 with an unknown flag, as
  // surface 2 (there is none), and at 4 with an exception that leaves 0..32 or corrects by 0.
  EXPECT_TRUE(refused(decode_surface_bytes, std::string("\x02\x00\x01\x01\x00\x21\x00", 7)));
  EXPECT_TRUE(refused(decode_surface_bytes, std::string("\x02\x00\x01\x01\x10\x04\x00", 7)));
  EXPECT_TRUE(refused(decode_surface_bytes, std::string("\x02\x00\x01\x02\x00\x04\x00", 7)));
  EXPECT_TRUE(
      refused(decode_surface_bytes, std::string("\x02\x00\x01\x01\x00\x04\x01\x00\x50", 9)));
  EXPECT_TRUE(
      refused(decode_surface_bytes, std::string("\x02\x00\x01\x01\x00\x04\x01\x00\x00", 9)));
  {
    channel decoded{};
    const std::string flat("\x02\x00\x01\x01\x00\x04\x00", 7);
    ASSERT_TRUE(decode_surface_bytes(flat, decoded).ok());  // 0 below height 4, 1 from there up
    EXPECT_EQ(decoded[3 * edge * edge], 0);
    EXPECT_EQ(decoded[4 * edge * edge], 1);
    EXPECT_TRUE(refused(decode_surface_bytes, flat + "x"));  // bytes after the last surface
    // A plane whose offset is the most negative 64-bit number (zigzag 2^64 - 1) is refused; the
    // same record with offset 0 decodes.
    const std::string plane("\x02\x00\x01\x01\x01", 5), rest("\x00\x00\x00", 3);
    EXPECT_TRUE(refused(decode_surface_bytes, plane + std::string(9, '\xff') + "\x01" + rest));
    EXPECT_TRUE(decode_surface_bytes(plane + std::string(1, '\0') + rest, decoded).ok());
  }
  EXPECT_TRUE(refused(decode_zstd, "not zstd"));
  EXPECT_TRUE(refused(decode_zstd_transform, ""));
  std::string inner_zstd;
  channel zeros{};
  ASSERT_TRUE(encode_zstd(zeros, 1, inner_zstd));
  EXPECT_TRUE(refused(decode_zstd, inner_zstd.substr(0, inner_zstd.size() - 1)));
  // zstd_transform over zstd, or over a frame of the wrong size, is refused.
  EXPECT_TRUE(refused(decode_zstd_transform, "\x06" + inner_zstd));
  EXPECT_TRUE(refused(decode_zstd_transform, "\x05" + inner_zstd));
  channel baseline{};
  auto delta = [&baseline](std::string_view payload, channel_span into) {
    return decode_baseline_delta(payload, baseline, into);
  };
  EXPECT_TRUE(refused(delta, std::string("\x80", 1)));
  EXPECT_TRUE(refused(delta, std::string("\x00\x02\x01", 3)));              // 3 literals, 1 given
  EXPECT_TRUE(refused(delta, std::string("\xff\xff\x01\x01\x01\x01", 6)));  // past the end
  auto columns = [&baseline](std::string_view payload, channel_span into) {
    return decode_baseline_columns(payload, baseline, into);
  };
  EXPECT_TRUE(refused(columns, "x"));  // not a zstd frame
  const std::string past_the_end("\xff\xff\x01\x01\x01\x01", 6);
  std::string framed(ZSTD_compressBound(past_the_end.size()), '\0');
  framed.resize(
      ZSTD_compress(framed.data(), framed.size(), past_the_end.data(), past_the_end.size(), 3));
  EXPECT_TRUE(refused(columns, framed));  // a well-formed frame of spans past the end
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
      // A delta cut between spans is a valid, shorter delta, and a range-coded payload cut short
      // or padded decodes to other decisions: the chunk checksum catches those.
      const bool cut_decodes = codec.name == "baseline_delta" || codec.name == "context_layers" ||
                               codec.name == "surface_layers" || codec.name == "ordered_surfaces";
      // An empty baseline_columns payload is the baseline itself.
      const std::size_t shortest = codec.name == "baseline_columns" ? 1 : 0;
      for (std::size_t size = shortest; !cut_decodes && size < payload.size(); size += 1 + size / 8)
        EXPECT_FALSE(codec.decode(payload.substr(0, size), out).ok())
            << codec.name << " accepted a payload cut to " << size << " bytes";
      if (!cut_decodes) {
        EXPECT_FALSE(codec.decode(payload + "x", out).ok()) << codec.name << " accepted padding";
      }
      // (A range-coded payload can be empty: trailing zero bytes are implied.)
      for (int n = 0; n < 50 && !payload.empty(); ++n) {
        std::string bad = payload;
        bad[random() % bad.size()] = static_cast<char>(random());
        (void)codec.decode(bad, out);  // any result but a crash
      }
    }
  }
}

}  // namespace
}  // namespace strata::compression
