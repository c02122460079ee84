// Proves validate() refuses each bad field with a message naming it, the derived sizes are right,
// and serialization round-trips while refusing malformed, foreign and invalid bytes.
#include "geo/world_spec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "schema/world.capnp.h"

namespace strata::geo {
namespace {

void expect_refused(const world_spec& spec, std::string_view field) {
  auto checked = validate(spec);
  ASSERT_FALSE(checked.ok()) << field;
  EXPECT_EQ(checked.error().code, base::errc::invalid_argument);
  EXPECT_NE(checked.error().message.find(field), std::string::npos) << checked.error().message;
}

TEST(world_spec, default_spec_is_valid) {
  EXPECT_TRUE(validate(world_spec{}).ok());
}

TEST(world_spec, each_bad_field_is_refused_by_name) {
  world_spec spec;
  spec.voxel_level = 31;
  expect_refused(spec, "voxel_level");
  spec = {};
  spec.voxel_level = -1;
  expect_refused(spec, "voxel_level");
  spec = {};
  spec.region_level = -2;
  expect_refused(spec, "region_level");
  spec = {};
  spec.region_level = 16;  // leaves 4 levels: a region narrower than a chunk
  expect_refused(spec, "at least 5");
  spec = {};
  spec.voxel_level = 30;
  spec.region_level = 3;  // 27 levels: chunk coordinates would need 22 bits
  expect_refused(spec, "21 bits");
  spec = {};
  spec.dz_m = 0;
  expect_refused(spec, "dz_m");
  spec.dz_m = std::numeric_limits<double>::quiet_NaN();
  expect_refused(spec, "dz_m");
  spec = {};
  spec.z_min_m = 10;
  spec.z_max_m = 10;
  expect_refused(spec, "z_min_m");
  spec.z_max_m = std::numeric_limits<double>::infinity();
  expect_refused(spec, "finite");
  spec = {};
  spec.dz_m = 1e-6;  // 2e10 layers
  expect_refused(spec, "layers");
  spec = {};
  spec.name.assign(65, 'x');
  expect_refused(spec, "name");
}

TEST(world_spec, limits_are_inclusive) {
  world_spec spec;
  spec.voxel_level = 30;
  spec.region_level = 4;  // 26 levels: the deepest allowed
  EXPECT_TRUE(validate(spec).ok());
  EXPECT_EQ(chunks_per_region_edge(spec), 1u << 21);
  spec.region_level = 25;  // 5 levels: the shallowest allowed
  EXPECT_TRUE(validate(spec).ok());
  EXPECT_EQ(chunks_per_region_edge(spec), 1u);
}

TEST(world_spec, derived_sizes) {
  world_spec spec;  // levels 20 and 12, 2 m layers from -11 km to 9 km
  EXPECT_EQ(columns_per_region_edge(spec), 256u);
  EXPECT_EQ(chunks_per_region_edge(spec), 8u);
  EXPECT_EQ(voxel_layers(spec), 10000u);
  EXPECT_EQ(chunk_layers(spec), 313u);  // 10000 / 32 = 312.5, rounded up
  EXPECT_EQ(chunks_per_region(spec), 8u * 8u * 313u);
  spec.z_max_m = -10999.5;  // less than one layer still makes one
  EXPECT_EQ(voxel_layers(spec), 1u);
  EXPECT_EQ(chunk_layers(spec), 1u);
}

TEST(world_spec, serialization_round_trips) {
  world_spec spec;
  spec.name = "topobathy";
  spec.voxel_level = 17;
  spec.region_level = 10;
  spec.dz_m = 12.5;
  spec.z_min_m = -3000;
  spec.z_max_m = 2500;
  auto parsed = parse_world_spec(serialize(spec));
  ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
  EXPECT_EQ(*parsed, spec);
}

TEST(world_spec, malformed_bytes_are_parse_errors) {
  EXPECT_EQ(parse_world_spec("").error().code, base::errc::parse_error);
  EXPECT_EQ(parse_world_spec("1234567").error().code, base::errc::parse_error);
  // A segment table that claims more words than there are.
  std::string lying(16, '\0');
  lying[4] = 100;
  EXPECT_EQ(parse_world_spec(lying).error().code, base::errc::parse_error);
  // Every truncation of a real message is refused, never read past its end.
  const std::string good = serialize(world_spec{});
  for (std::size_t size = 8; size < good.size(); size += 8)
    EXPECT_FALSE(parse_world_spec(good.substr(0, size)).ok()) << size;
}

TEST(world_spec, unknown_version_and_invalid_content_are_refused) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::WorldSpec>();
  root.setFormatVersion(2);
  root.setVoxelLevel(20);
  root.setRegionLevel(12);
  root.setDzM(1);
  root.setZMaxM(10);
  root.setChunkEdge(32);
  auto words = capnp::messageToFlatArray(message);
  std::string bytes(words.asChars().begin(), words.asChars().size());
  EXPECT_EQ(parse_world_spec(bytes).error().code, base::errc::unsupported_version);

  root.setFormatVersion(1);
  root.setRegionLevel(19);  // one level below voxels: invalid
  words = capnp::messageToFlatArray(message);
  bytes.assign(words.asChars().begin(), words.asChars().size());
  auto parsed = parse_world_spec(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, base::errc::invalid_argument);
}

}  // namespace
}  // namespace strata::geo
