#include "geo/world_spec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cmath>
#include <cstring>

#include "geo/morton.hpp"
#include "schema/world.capnp.h"

namespace strata::geo {

namespace {

constexpr std::uint16_t format_version = 1;
constexpr std::size_t name_bytes_max = 64;
// Chunk coordinates fit 21 bits (geo/morton.hpp), so a region is at most 2^21 chunks wide and
// 2^21 chunks tall.
constexpr int region_depth_max = morton_axis_bits + chunk_edge_bits;
constexpr std::uint64_t voxel_layers_max = std::uint64_t{1} << region_depth_max;

std::string format_double(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

base::error bad(std::string message) {
  return base::fail(base::errc::invalid_argument, std::move(message));
}

}  // namespace

base::status validate(const world_spec& spec) {
  if (spec.name.size() > name_bytes_max)
    return bad("name is " + std::to_string(spec.name.size()) + " bytes; at most " +
               std::to_string(name_bytes_max));
  if (spec.voxel_level < 0 || spec.voxel_level > s2_level_max)
    return bad("voxel_level " + std::to_string(spec.voxel_level) + " is outside 0.." +
               std::to_string(s2_level_max));
  if (spec.region_level < 0)
    return bad("region_level " + std::to_string(spec.region_level) + " is negative");
  const int depth = spec.voxel_level - spec.region_level;
  if (depth < chunk_edge_bits)
    return bad("region_level " + std::to_string(spec.region_level) + " leaves " +
               std::to_string(depth) + " levels to voxel_level " +
               std::to_string(spec.voxel_level) + "; at least " + std::to_string(chunk_edge_bits) +
               " make a region one chunk wide");
  if (depth > region_depth_max)
    return bad("voxel_level - region_level is " + std::to_string(depth) + "; at most " +
               std::to_string(region_depth_max) + " so chunk coordinates fit 21 bits");
  if (!std::isfinite(spec.dz_m) || spec.dz_m <= 0)
    return bad("dz_m " + format_double(spec.dz_m) + " must be positive and finite");
  if (!std::isfinite(spec.z_min_m) || !std::isfinite(spec.z_max_m))
    return bad("z_min_m and z_max_m must be finite");
  if (spec.z_min_m >= spec.z_max_m)
    return bad("z_min_m " + format_double(spec.z_min_m) + " must be below z_max_m " +
               format_double(spec.z_max_m));
  const double layers = std::ceil((spec.z_max_m - spec.z_min_m) / spec.dz_m);
  if (layers > static_cast<double>(voxel_layers_max))
    return bad("(z_max_m - z_min_m) / dz_m is " + format_double(layers) + " layers; at most " +
               std::to_string(voxel_layers_max) + " so chunk coordinates fit 21 bits");
  return {};
}

std::uint32_t columns_per_region_edge(const world_spec& spec) {
  return std::uint32_t{1} << (spec.voxel_level - spec.region_level);
}

std::uint32_t chunks_per_region_edge(const world_spec& spec) {
  return columns_per_region_edge(spec) >> chunk_edge_bits;
}

std::uint32_t voxel_layers(const world_spec& spec) {
  return static_cast<std::uint32_t>(std::ceil((spec.z_max_m - spec.z_min_m) / spec.dz_m));
}

std::uint32_t chunk_layers(const world_spec& spec) {
  return (voxel_layers(spec) + chunk_edge - 1) >> chunk_edge_bits;
}

std::uint64_t chunks_per_region(const world_spec& spec) {
  const std::uint64_t edge = chunks_per_region_edge(spec);
  return edge * edge * chunk_layers(spec);
}

std::string serialize(const world_spec& spec) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::WorldSpec>();
  root.setFormatVersion(format_version);
  root.setName(spec.name);
  root.setVoxelLevel(static_cast<std::uint8_t>(spec.voxel_level));
  root.setRegionLevel(static_cast<std::uint8_t>(spec.region_level));
  root.setDzM(spec.dz_m);
  root.setZMinM(spec.z_min_m);
  root.setZMaxM(spec.z_max_m);
  root.setChunkEdge(chunk_edge);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asChars();
  return std::string(bytes.begin(), bytes.size());
}

base::result<world_spec> parse_world_spec(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return base::fail(base::errc::parse_error,
                      "a world spec is a whole number of 8-byte words; got " +
                          std::to_string(bytes.size()) + " bytes");
  // Copy into aligned words: the caller's bytes (e.g. from LMDB) need not be 8-byte aligned.
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  world_spec spec;
  std::uint16_t version = 0;
  std::uint16_t edge = 0;
  // Cap'n Proto reports malformed messages by throwing kj::Exception; this is the boundary where
  // that becomes an error value.
  KJ_IF_MAYBE (exception, kj::runCatchingExceptions([&]() {
                 capnp::FlatArrayMessageReader reader(words);
                 auto root = reader.getRoot<schema::WorldSpec>();
                 version = root.getFormatVersion();
                 edge = root.getChunkEdge();
                 spec.name = root.getName().cStr();
                 spec.voxel_level = root.getVoxelLevel();
                 spec.region_level = root.getRegionLevel();
                 spec.dz_m = root.getDzM();
                 spec.z_min_m = root.getZMinM();
                 spec.z_max_m = root.getZMaxM();
               })) {
    return base::fail(base::errc::parse_error,
                      std::string("malformed world spec: ") + exception->getDescription().cStr());
  }
  if (version != format_version)
    return base::fail(base::errc::unsupported_version,
                      "world spec format version " + std::to_string(version) +
                          "; this build reads version " + std::to_string(format_version));
  if (edge != chunk_edge)
    return base::fail(
        base::errc::unsupported_version,
        "chunk edge " + std::to_string(edge) + "; this build stores " + std::to_string(chunk_edge));
  if (auto checked = validate(spec); !checked)
    return checked.error();
  return spec;
}

}  // namespace strata::geo
