// World files: a DEM survives the raw format exactly, an evenly spaced file is read as documented,
// a generator record round-trips, and every malformed file is refused with what is wrong.
#include "geology/world_file.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "compression/bytes.hpp"

namespace strata::geology {
namespace {

TEST(world_file, a_real_dem_round_trips_exactly) {
  auto topo = load_named("topobathy");
  ASSERT_TRUE(topo.ok());
  auto again = parse_dem(serialize_dem(*topo), "topobathy");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->rows, topo->rows);
  EXPECT_EQ(again->row_lat_deg, topo->row_lat_deg);
  EXPECT_EQ(again->column_lng_deg, topo->column_lng_deg);
  EXPECT_EQ(again->elevation_m, topo->elevation_m);
}

// An evenly spaced 3 x 2 grid, as a user would write it.
std::string even_grid(float last = 6) {
  std::string out = "STRATDEM";
  compression::byte_writer w(out);
  w.u32(1);
  w.u32(3);
  w.u32(2);
  w.u8(0);
  for (double v : {10.0, 12.0, 20.0, 21.0})
    w.u64(std::bit_cast<std::uint64_t>(v));
  for (float e : {1.f, 2.f, 3.f, 4.f, 5.f, last})
    w.u32(std::bit_cast<std::uint32_t>(e));
  return out;
}

TEST(world_file, an_evenly_spaced_grid_is_read_as_documented) {
  auto d = parse_dem(even_grid(), "mine");
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->row_lat_deg, (std::vector<double>{10, 11, 12}));
  EXPECT_EQ(d->column_lng_deg, (std::vector<double>{20, 21}));
  EXPECT_FLOAT_EQ(*d->sample(11, 21), 4.f);
  EXPECT_FLOAT_EQ(*d->sample(11.5, 20.5), 4.5f);  // the mean of 3, 4, 5 and 6
}

TEST(world_file, malformed_dems_are_refused) {
  auto code = [](const std::string& bytes) {
    auto d = parse_dem(bytes, "x");
    return d.ok() ? static_cast<base::errc>(0) : d.error().code;
  };
  EXPECT_EQ(code("NOTADEM!"), base::errc::parse_error);
  EXPECT_EQ(code(even_grid().substr(0, 40)), base::errc::parse_error);
  EXPECT_EQ(code(even_grid() + "x"), base::errc::parse_error);
  EXPECT_EQ(code(even_grid(std::nanf(""))), base::errc::invalid_argument);
  std::string version = even_grid();
  version[8] = 2;
  EXPECT_EQ(code(version), base::errc::unsupported_version);
  std::string huge = even_grid();
  huge[14] = 0x7f;  // rows far past the limit
  EXPECT_EQ(code(huge), base::errc::invalid_argument);
  std::string flat = even_grid();
  // Both longitudes equal: not monotonic.
  std::memcpy(&flat[21 + 24], &flat[21 + 16], 8);
  EXPECT_EQ(code(flat), base::errc::invalid_argument);
}

TEST(world_file, a_generator_record_round_trips_and_other_versions_are_refused) {
  generator_record record{terrain_params{}, *parse_dem(even_grid(), "mine")};
  record.params.sea_level_m = 12.5;
  const std::string bytes = serialize(record);
  auto again = parse_generator_record(bytes);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->params.sea_level_m, 12.5);
  EXPECT_EQ(again->params.bed_m, record.params.bed_m);
  EXPECT_EQ(again->terrain.name, "mine");
  EXPECT_EQ(again->terrain.elevation_m, record.terrain.elevation_m);
  std::string other = bytes;
  other[1 + 14] = static_cast<char>(terrain_version + 1);  // the version after the name
  auto refused = parse_generator_record(other);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::unsupported_version);
  EXPECT_FALSE(parse_generator_record(bytes.substr(0, 30)).ok());
}

// A record is input like any other: parameters the generator would divide by zero with, or turn
// into bed indices past any integer, are refused where the record is read.
TEST(world_file, generator_parameters_out_of_their_bounds_are_refused) {
  const dem terrain = *parse_dem(even_grid(), "mine");
  for (auto bad :
       {+[](terrain_params& p) { p.bed_m = 0; }, +[](terrain_params& p) { p.bed_m = -5; },
        +[](terrain_params& p) { p.basement_wavelength_m = 0; },
        +[](terrain_params& p) { p.dip_east = 1e300; }}) {
    generator_record record{terrain_params{}, terrain};
    bad(record.params);
    auto refused = parse_generator_record(serialize(record));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, base::errc::invalid_argument);
  }
}

}  // namespace
}  // namespace strata::geology
