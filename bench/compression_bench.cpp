#include "bench/compression_bench.hpp"

#include <blosc.h>
#include <openvdb/openvdb.h>
#include <openvdb/tools/Dense.h>
#include <openvdb/tools/Prune.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "base/json.hpp"
#include "bench/common.hpp"
#include "bench/workload.hpp"
#include "compression/format.hpp"
#include "compression/selector.hpp"
#include "geo/world_spec.hpp"
#include "geology/materials.hpp"
#include "geology/terrain.hpp"

namespace strata::bench {

namespace {

using compression::chunk;
using compression::codec_id;
static_assert(sizeof(chunk) == compression::chunk_bytes,
              "a chunk is its two channels, back to back");

// What one method stored and how long it took, summed over chunks.
struct method {
  std::string name;
  std::uint64_t bytes = 0;
  double encode_seconds = 0;
  double decode_seconds = 0;
  std::uint64_t mismatches = 0;
};

std::uint64_t mix(std::uint64_t x) {  // splitmix64: a fixed, portable hash
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The simulated pass: about 5 % of columns lose 1 to 4 layers' worth off the top (erosion: the hole
// fills with water below sea level), and about 5 % gain 1 to 3 layers of sediment (deposition).
void erode_and_deposit(const geology::chunk_column& columns, const geology::chunk_column_id& at,
                       std::uint32_t k, const geo::world_spec& spec, chunk& c) {
  for (std::size_t column = 0; column < columns.size(); ++column) {
    const std::uint64_t h = mix(at.region.id() ^ mix(at.u * 65536ull + at.v) ^ mix(column));
    const unsigned pick = h % 100;
    if (pick >= 10)
      continue;
    const bool erosion = pick < 5;
    const double amount = spec.dz_m * static_cast<double>(1 + (h >> 8) % (erosion ? 4 : 3));
    const double surface = columns[column].surface_m;
    const double low = erosion ? surface - amount : surface;
    const double high = erosion ? surface : surface + amount;
    for (unsigned z = 0; z < compression::edge; ++z) {
      const double alt = spec.z_min_m + (k * compression::edge + z + 0.5) * spec.dz_m;
      if (alt < low || alt >= high)
        continue;
      const std::size_t at_voxel = column + z * compression::edge * compression::edge;
      if (erosion) {
        c.material[at_voxel] = alt < 0 ? geology::material::water : geology::material::air;
        c.history[at_voxel] |= 0x01;
      } else {
        c.material[at_voxel] = geology::material::sediment;
        c.history[at_voxel] |= 0x02;
      }
    }
  }
}

struct pass_report {
  std::string name;
  std::uint64_t chunks = 0;
  std::uint64_t changed_chunks = 0;
  std::vector<method> methods;
  compression::selector_report material_selector;
  compression::selector_report history_selector;
  std::uint64_t codec_checks = 0;
  std::uint64_t codec_failures = 0;
  std::uint64_t openvdb_bytes = 0;

  method& get(const std::string& name_of) {
    for (method& m : methods)
      if (m.name == name_of)
        return m;
    methods.push_back({name_of});
    return methods.back();
  }
  const method* find(const std::string& name_of) const {
    for (const method& m : methods)
      if (m.name == name_of)
        return &m;
    return nullptr;
  }
  double raw_bytes() const { return static_cast<double>(chunks) * compression::chunk_bytes; }
};

// A method that turns a chunk into bytes and back, run over a batch: every chunk encoded, then
// every chunk decoded, then checked against its input outside the timers. `encode(c, bytes)`
// replaces `bytes`; `decode(bytes, out)` is false when it fails.
template <class Encode, class Decode>
void batch_method(pass_report& report, const std::string& name, const std::vector<chunk>& batch,
                  Encode encode, Decode decode, std::vector<std::string>& payloads,
                  chunk& decoded) {
  method& m = report.get(name);
  payloads.resize(batch.size());
  for (std::size_t k = 0; k < batch.size(); ++k) {
    stopwatch encoding;
    encode(batch[k], payloads[k]);
    m.encode_seconds += encoding.seconds();
    m.bytes += payloads[k].size();
  }
  for (std::size_t k = 0; k < batch.size(); ++k) {
    stopwatch decoding;
    const bool ok = decode(payloads[k], decoded);
    m.decode_seconds += decoding.seconds();
    m.mismatches += !ok || !(decoded == batch[k]);
  }
}

// OpenVDB: each chunk becomes a 32^3 block of an Int32Grid (material | history << 8), background
// 0 (air); its bytes are the grid's memory after pruning uniform nodes into tiles.
void openvdb_method(pass_report& report, const chunk& c, openvdb::Int32Grid& grid,
                    std::uint64_t index, std::vector<std::int32_t>& dense_values) {
  method& m = report.get("openvdb");
  const openvdb::Coord origin(static_cast<int>(index % 4096) * 32,
                              static_cast<int>(index / 4096) * 32, 0);
  const openvdb::CoordBBox box(origin, origin.offsetBy(31));
  dense_values.resize(compression::voxels);
  stopwatch encode;
  for (std::size_t n = 0; n < compression::voxels; ++n)
    dense_values[n] = c.material[n] | c.history[n] << 8;
  openvdb::tools::Dense<std::int32_t, openvdb::tools::LayoutXYZ> dense(box, dense_values.data());
  openvdb::tools::copyFromDense(dense, grid, 0);
  m.encode_seconds += encode.seconds();
  stopwatch decode;
  openvdb::tools::copyToDense(grid, dense);
  chunk decoded;
  for (std::size_t n = 0; n < compression::voxels; ++n) {
    decoded.material[n] = static_cast<std::uint8_t>(dense_values[n]);
    decoded.history[n] = static_cast<std::uint8_t>(dense_values[n] >> 8);
  }
  m.decode_seconds += decode.seconds();
  m.mismatches += !(decoded == c);
}

// strata with the baseline: a chunk equal to the generator's output is not stored at all; any
// other stores each channel as the smallest of the selector's choice and the two deltas (in
// storage order, and up the columns under zstd). Decoding counts regenerating the baseline
// (`baseline_seconds`), which every reader of such a chunk pays.
void baseline_method(pass_report& report, const chunk& c, const chunk& baseline,
                     double baseline_seconds, compression::selector& material,
                     compression::selector& history, std::string& buffer, chunk& decoded) {
  method& m = report.get("strata-hybrid+baseline");
  buffer.clear();
  stopwatch encode;
  const bool equal = c == baseline;
  if (!equal) {
    auto pick = [](compression::selector& s, compression::channel_view in,
                   compression::channel_view base, std::string& payload) {
      std::string delta, columns;
      compression::encode_baseline_delta(in, base, delta);
      compression::encode_baseline_columns(in, base, s.policy().zstd_level, columns);
      compression::selection chosen = s.choose(in);
      if (columns.size() < delta.size() && columns.size() < chosen.payload.size()) {
        payload = std::move(columns);
        return codec_id::baseline_columns;
      }
      if (delta.size() < chosen.payload.size()) {
        payload = std::move(delta);
        return codec_id::baseline_delta;
      }
      payload = std::move(chosen.payload);
      return chosen.chosen.id;
    };
    std::string material_payload, history_payload;
    const codec_id material_id = pick(material, c.material, baseline.material, material_payload);
    const codec_id history_id = pick(history, c.history, baseline.history, history_payload);
    compression::write_chunk(c, material_id, material_payload, history_id, history_payload, buffer);
  }
  m.encode_seconds += encode.seconds();
  m.bytes += buffer.size();
  stopwatch decode;
  bool ok = true;
  if (equal)
    decoded = baseline;
  else
    ok = compression::decode_chunk(buffer, decoded, &baseline).ok();
  m.decode_seconds += decode.seconds() + baseline_seconds;
  m.mismatches += !ok || !(decoded == c);
  report.changed_chunks += !equal;
}

// Every codec on both channels of the chunk, at zstd level 3: each must round-trip exactly.
void check_every_codec(pass_report& report, const chunk& c, const chunk& baseline) {
  for (int channel_index = 0; channel_index < 2; ++channel_index) {
    const compression::channel& in = channel_index ? c.history : c.material;
    const compression::channel& base = channel_index ? baseline.history : baseline.material;
    compression::channel out;
    for (const compression::candidate& candidate : compression::candidates()) {
      std::string payload;
      if (!compression::encode_candidate(candidate, in, 3, payload))
        continue;
      ++report.codec_checks;
      const bool ok = compression::decode_with(candidate.id, payload, out).ok() && out == in;
      report.codec_failures += !ok;
    }
    std::string delta;
    compression::encode_baseline_delta(in, base, delta);
    ++report.codec_checks;
    report.codec_failures +=
        !(compression::decode_baseline_delta(delta, base, out).ok() && out == in);
    delta.clear();
    compression::encode_baseline_columns(in, base, 3, delta);
    ++report.codec_checks;
    report.codec_failures +=
        !(compression::decode_baseline_columns(delta, base, out).ok() && out == in);
  }
}

}  // namespace

base::status run_compression(const compression_options& options) {
  auto world = load_sample_world(options.world, options.sample_data);
  if (!world)
    return world.error();
  const geo::grid* g = &world->grid;
  const geology::dem* terrain = &world->terrain;
  auto columns = geology::chunk_columns_under(*g, *terrain, 1000000);
  if (!columns)
    return columns.error();
  if (options.chunk_columns_max && columns->size() > options.chunk_columns_max)
    columns->resize(options.chunk_columns_max);
  const geology::terrain_generator generator(*g, *terrain);
  const std::uint32_t layers = geo::chunk_layers(g->spec());
  // The world spec and generator parameters are what a baseline world stores besides its deltas.
  const std::size_t world_bytes =
      geo::serialize(g->spec()).size() + sizeof(geology::terrain_params);

  openvdb::initialize();
  blosc_init();
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);

  std::vector<pass_report> passes;
  for (const bool after : {false, true}) {
    pass_report report;
    report.name = after ? "after erosion and deposition" : "as generated";
    for (const char* name :
         {"raw", "zstd-1", "zstd-3", "zstd-19", "blosc-zstd-bitshuffle", "openvdb",
          "strata-fast-path", "strata-hybrid", "strata-hybrid-smallest", "strata-hybrid+baseline"})
      report.get(name);
    // The policy the store uses (balanced), and for comparison the smallest payloads.
    compression::selector_policy policy = compression::selector_policy::balanced_default();
    policy.zstd_level = 19;
    policy.audit_every = 16;
    compression::selector_policy smallest_policy = policy;
    smallest_policy.target = compression::selector_policy::goal::smallest;
    compression::selector material(policy), history(policy);
    compression::selector smallest_material(smallest_policy), smallest_history(smallest_policy);
    // With the baseline only the chunks that differ from it are encoded: they follow the weight
    // the world's selectors tune on all of its chunks, and add nothing to its sample.
    compression::selector_policy baseline_policy = policy;
    baseline_policy.decode_target = 0;
    compression::selector baseline_material(baseline_policy), baseline_history(baseline_policy);
    // As in the store, a chunk's two selectors tune one weight.
    history.share_tuning(material);
    baseline_material.share_tuning(material);
    baseline_history.share_tuning(material);
    openvdb::Int32Grid::Ptr grid = openvdb::Int32Grid::create(0);
    std::vector<std::int32_t> dense_values;
    std::string buffer;
    std::vector<std::string> payloads;
    chunk decoded;
    // One chunk column at a time (11 to 16 chunks): every method runs over all of its chunks
    // before the next method starts, so no method is timed with another's tables in the caches.
    std::vector<chunk> batch(layers), baselines(layers);
    std::vector<double> baseline_seconds(layers);
    for (const geology::chunk_column_id& at : *columns) {
      stopwatch surfaces_time;
      const geology::chunk_column surfaces = generator.surfaces(at.region, at.u, at.v);
      const double surfaces_seconds = surfaces_time.seconds() / layers;
      for (std::uint32_t k = 0; k < layers; ++k) {
        stopwatch generate;
        generator.fill(surfaces, k, baselines[k]);
        baseline_seconds[k] = surfaces_seconds + generate.seconds();
        batch[k] = baselines[k];
        if (after)
          erode_and_deposit(surfaces, at, k, g->spec(), batch[k]);
      }
      report.get("raw").bytes += layers * sizeof(chunk);
      for (int level : {1, 3, 19})
        batch_method(
            report, "zstd-" + std::to_string(level), batch,
            [&](const chunk& c, std::string& bytes) {
              bytes.resize(ZSTD_compressBound(sizeof c));
              bytes.resize(
                  ZSTD_compressCCtx(cctx.get(), bytes.data(), bytes.size(), &c, sizeof c, level));
            },
            [&](const std::string& bytes, chunk& out) {
              return ZSTD_decompressDCtx(dctx.get(), &out, sizeof out, bytes.data(),
                                         bytes.size()) == sizeof out;
            },
            payloads, decoded);
      batch_method(
          report, "blosc-zstd-bitshuffle", batch,
          [](const chunk& c, std::string& bytes) {
            bytes.resize(sizeof c + BLOSC_MAX_OVERHEAD);
            bytes.resize(static_cast<std::size_t>(blosc_compress_ctx(
                5, BLOSC_BITSHUFFLE, 1, sizeof c, &c, bytes.data(), bytes.size(), "zstd", 0, 1)));
          },
          [](const std::string& bytes, chunk& out) {
            return blosc_decompress_ctx(bytes.data(), &out, sizeof out, 1) ==
                   static_cast<int>(sizeof out);
          },
          payloads, decoded);
      for (std::uint32_t k = 0; k < layers; ++k)
        openvdb_method(report, batch[k], *grid, report.chunks + k, dense_values);
      // The fast write path, and the selector per channel (zstd-19 inside) without the baseline;
      // both decode with decode_chunk.
      auto decode_format = [](const std::string& bytes, chunk& out) {
        return compression::decode_chunk(bytes, out).ok();
      };
      batch_method(
          report, "strata-fast-path", batch,
          [](const chunk& c, std::string& bytes) {
            bytes.clear();
            compression::encode_fast(c, bytes);
          },
          decode_format, payloads, decoded);
      auto selected = [](compression::selector& for_material, compression::selector& for_history) {
        return [&for_material, &for_history](const chunk& c, std::string& bytes) {
          bytes.clear();
          compression::encode_selected(c, for_material, for_history, bytes);
        };
      };
      batch_method(report, "strata-hybrid", batch, selected(material, history), decode_format,
                   payloads, decoded);
      batch_method(report, "strata-hybrid-smallest", batch,
                   selected(smallest_material, smallest_history), decode_format, payloads, decoded);
      for (std::uint32_t k = 0; k < layers; ++k)
        baseline_method(report, batch[k], baselines[k], baseline_seconds[k], baseline_material,
                        baseline_history, buffer, decoded);
      for (std::uint32_t k = 0; k < layers; ++k)
        check_every_codec(report, batch[k], baselines[k]);
      report.chunks += layers;
    }
    stopwatch prune;
    openvdb::tools::prune(grid->tree());
    report.get("openvdb").encode_seconds += prune.seconds();
    report.get("openvdb").bytes = grid->memUsage();
    report.get("strata-hybrid+baseline").bytes += world_bytes;
    report.material_selector = material.report();
    report.history_selector = history.report();
    passes.push_back(std::move(report));
  }

  // Goals, from the figures of this run.
  std::vector<goal> goals;
  for (const pass_report& p : passes) {
    const bool after = &p == &passes.back();
    const std::string suffix = after ? "_after_pass" : "_as_generated";
    const double zstd19 = static_cast<double>(p.find("zstd-19")->bytes);
    goals.push_back(
        {"hybrid_bytes_vs_zstd19" + suffix, p.find("strata-hybrid")->bytes / zstd19, 0.6, true});
    goals.push_back({"baseline_bytes_vs_zstd19" + suffix,
                     p.find("strata-hybrid+baseline")->bytes / zstd19, after ? 0.4 : 0.1, true});
    const double zstd3_decode = mb_per_second(p.raw_bytes(), p.find("zstd-3")->decode_seconds);
    goals.push_back(
        {"hybrid_decode_vs_zstd3_decode" + suffix,
         mb_per_second(p.raw_bytes(), p.find("strata-hybrid")->decode_seconds) / zstd3_decode, 1.0,
         false});
    const double zstd1_encode = mb_per_second(p.raw_bytes(), p.find("zstd-1")->encode_seconds);
    goals.push_back(
        {"fast_path_encode_vs_zstd1_encode" + suffix,
         mb_per_second(p.raw_bytes(), p.find("strata-fast-path")->encode_seconds) / zstd1_encode,
         1.0, false});
    std::uint64_t mismatches = 0;
    for (const method& m : p.methods)
      mismatches += m.mismatches;
    goals.push_back({"round_trip_failures" + suffix,
                     static_cast<double>(mismatches + p.codec_failures), 0, true});
  }

  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world);
    out.key("spec")
        .begin_object()
        .key("voxel_level")
        .value(g->spec().voxel_level)
        .key("region_level")
        .value(g->spec().region_level)
        .key("dz_m")
        .value(g->spec().dz_m)
        .key("z_min_m")
        .value(g->spec().z_min_m)
        .key("z_max_m")
        .value(g->spec().z_max_m)
        .end_object();
    write_goals(out, goals);
    out.key("passes").begin_array();
    for (const pass_report& p : passes) {
      out.begin_object()
          .key("name")
          .value(p.name)
          .key("chunks")
          .value(p.chunks)
          .key("chunks_differing_from_baseline")
          .value(p.changed_chunks)
          .key("voxel_bytes")
          .value(p.raw_bytes())
          .key("codec_round_trips_checked")
          .value(p.codec_checks)
          .key("codec_round_trip_failures")
          .value(p.codec_failures);
      out.key("methods").begin_array();
      for (const method& m : p.methods)
        out.begin_object()
            .key("name")
            .value(m.name)
            .key("bytes")
            .value(m.bytes)
            .key("ratio")
            .value(p.raw_bytes() / static_cast<double>(m.bytes))
            .key("encode_mb_s")
            .value(mb_per_second(p.raw_bytes(), m.encode_seconds))
            .key("decode_mb_s")
            .value(mb_per_second(p.raw_bytes(), m.decode_seconds))
            .key("mismatches")
            .value(m.mismatches)
            .end_object();
      out.end_array();
      for (const auto* which : {&p.material_selector, &p.history_selector}) {
        out.key(which == &p.material_selector ? "material_selector" : "history_selector")
            .begin_object()
            .key("channels")
            .value(which->channels)
            .key("audits")
            .value(which->audits)
            .key("accuracy")
            .value(which->accuracy())
            .key("bytes_over_best")
            .value(which->audit_bytes_ratio)
            .key("cpu_saved")
            .value(which->cpu_saved())
            .key("decode_weight")
            .value(which->decode_weight)
            .key("decode_ratio")
            .value(which->decode_ratio)
            .key("mix")
            .begin_object();
        for (std::size_t n = 0; n < compression::candidate_count; ++n)
          if (which->mix[n])
            out.key(compression::candidate_name(compression::candidates()[n])).value(which->mix[n]);
        out.end_object().end_object();
      }
      out.end_object();
    }
    out.end_array().end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }

  std::printf("strata bench compression: %s, voxel level %d, region level %d, %g m layers\n",
              options.world.c_str(), g->spec().voxel_level, g->spec().region_level, g->spec().dz_m);
  for (const pass_report& p : passes) {
    std::printf("\n%s: %llu chunks, %.0f MB of voxels, %llu differ from the generator\n",
                p.name.c_str(), static_cast<unsigned long long>(p.chunks), p.raw_bytes() / 1e6,
                static_cast<unsigned long long>(p.changed_chunks));
    std::printf("  %-24s %14s %10s %12s %12s\n", "method", "bytes", "ratio", "encode MB/s",
                "decode MB/s");
    for (const method& m : p.methods)
      std::printf("  %-24s %14llu %10.1f %12.0f %12.0f\n", m.name.c_str(),
                  static_cast<unsigned long long>(m.bytes),
                  p.raw_bytes() / static_cast<double>(m.bytes),
                  mb_per_second(p.raw_bytes(), m.encode_seconds),
                  mb_per_second(p.raw_bytes(), m.decode_seconds));
    for (const auto& [channel_name, s] :
         {std::pair<const char*, const compression::selector_report&>{"materials",
                                                                      p.material_selector},
          {"history", p.history_selector}}) {
      std::printf(
          "  selector (%s): accuracy %.1f %% on %llu audits, %.3f x the best bytes, "
          "%.0f %% of exhaustive CPU saved, weight %.1f (sample decode ratio %.3f)\n"
          "    codec mix:",
          channel_name, s.accuracy() * 100, static_cast<unsigned long long>(s.audits),
          s.audit_bytes_ratio, s.cpu_saved() * 100, s.decode_weight, s.decode_ratio);
      for (std::size_t n = 0; n < compression::candidate_count; ++n)
        if (s.mix[n])
          std::printf(" %s %llu", compression::candidate_name(compression::candidates()[n]).c_str(),
                      static_cast<unsigned long long>(s.mix[n]));
      std::printf("\n");
    }
    std::printf("  every codec round-tripped %llu channels with %llu failures\n",
                static_cast<unsigned long long>(p.codec_checks),
                static_cast<unsigned long long>(p.codec_failures));
  }
  print_goals(goals);
  return {};
}

}  // namespace strata::bench
