// Updates on the wire: every process round-trips through Cap'n Proto bytes, and a malformed or
// out-of-range message is refused with the field at fault, never a crash.
#include "geology/update_codec.hpp"

#include <capnp/message.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "base/testing.hpp"

namespace strata::geology {
namespace {

update base_update(process_update p) {
  update u;
  for (std::size_t n = 0; n < u.id.size(); ++n)
    u.id[n] = static_cast<std::uint8_t>(n * 7 + 1);
  u.tick = 42;
  u.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  u.process = std::move(p);
  return u;
}

std::vector<update> every_kind() {
  const cap_field cap{{36.3, -84.2}, 250, 3.5f, profile::gaussian};
  raster_field raster{
      S2CellId(0x885c521000000000ull), 14, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  return {
      base_update(erosion_update{cap}),
      base_update(deposition_update{raster, deposit_material{material::sand, {}}}),
      base_update(deposition_update{
          cap, deposit_material{0, {{material::granite, 10.5}, {material::soil, 2}}}}),
      base_update(tectonics_update{raster}),
      base_update(weathering_update{cap}),
      base_update(
          volcanism_update{volcanism_update::mode::intrusion, material::basalt, cap, -120.5}),
      base_update(sea_level_update{12.25, cap}),
      base_update(set_voxels_update{{{geo::voxel{2, 100, 200, 7}, material::shale}}}),
      base_update(fill_box_update{{36.3, -84.2, 100}, {36.31, -84.19, 140}, material::limestone}),
  };
}

TEST(update_codec, every_process_round_trips_through_bytes) {
  for (const update& u : every_kind()) {
    const std::string bytes = serialize(u);
    auto back = parse_update(bytes);
    ASSERT_TRUE(back.ok()) << name(u.process) << ": " << back.error().to_string();
    EXPECT_EQ(back->id, u.id);
    EXPECT_EQ(back->tick, 42u);
    EXPECT_EQ(back->traceparent, u.traceparent);
    EXPECT_EQ(back->process.index(), u.process.index()) << name(u.process);
    // Serialising what came back gives the same bytes: every field survived.
    EXPECT_EQ(serialize(*back), bytes) << name(u.process);
  }
}

TEST(update_codec, bad_fields_are_refused_by_name) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Update>();
  to_capnp(every_kind()[0], root);
  root.setId(capnp::Data::Reader(reinterpret_cast<const kj::byte*>("short"), 5));
  auto id = from_capnp(root.asReader());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, base::errc::invalid_argument);
  EXPECT_NE(id.error().message.find("update.id"), std::string::npos);

  to_capnp(every_kind()[0], root);
  root.getProcess().getErosion().getDepthM().getCap().setRadiusM(std::nan(""));
  auto nan = from_capnp(root.asReader());
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().message.find("erosion.depthM.cap.radiusM"), std::string::npos);

  to_capnp(every_kind()[0], root);
  root.getProcess().getErosion().getDepthM().getCap().setProfile(
      static_cast<schema::ColumnField::Profile>(9));
  auto profile_value = from_capnp(root.asReader());
  ASSERT_FALSE(profile_value.ok());
  EXPECT_NE(profile_value.error().message.find("profile"), std::string::npos);
}

TEST(update_codec, malformed_bytes_are_errors_never_crashes) {
  const unsigned seed = base::test_seed("update_codec malformed");
  std::mt19937 random(seed);
  EXPECT_EQ(parse_update("").error().code, base::errc::parse_error);
  EXPECT_EQ(parse_update("abc").error().code, base::errc::parse_error);
  EXPECT_EQ(parse_update(std::string(64, '\xff')).error().code, base::errc::parse_error);
  EXPECT_EQ(parse_update(std::string(64, 'a'), update_limits{32}).error().code,
            base::errc::limit_exceeded);
  const std::string good = serialize(every_kind()[2]);
  EXPECT_FALSE(parse_update(good.substr(0, good.size() - 8)).ok());
  for (int n = 0; n < 2000; ++n) {
    std::string mutated = good;
    for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips)
      mutated[random() % mutated.size()] ^= static_cast<char>(1 << (random() % 8));
    // Any result, as long as it returns; what is accepted is an update that writes back the same.
    auto parsed = parse_update(mutated);
    if (parsed.ok()) {
      auto again = parse_update(serialize(*parsed));
      ASSERT_TRUE(again.ok()) << again.error().to_string();
      EXPECT_EQ(serialize(*again), serialize(*parsed));
    }
  }
}

}  // namespace
}  // namespace strata::geology
