// The material table: the default names every material the generator writes with its constant
// id, files round-trip, and every malformed table is refused with the line or name at fault.
#include "geology/materials.hpp"

#include <gtest/gtest.h>

namespace strata::geology {
namespace {

TEST(materials, the_default_table_names_every_generator_material) {
  const material_table& t = material_table::defaults();
  for (std::uint8_t id = 0; id < material::count; ++id) {
    const material_entry* e = t.find(id);
    ASSERT_NE(e, nullptr) << int(id);
    EXPECT_EQ(e->name, material_name(id));
  }
  EXPECT_TRUE(t.fluid(material::air));
  EXPECT_TRUE(t.fluid(material::water));
  EXPECT_FALSE(t.fluid(material::granite));
  EXPECT_EQ(t.becomes(process::weathering, material::granite), material::weathered_granite);
  EXPECT_EQ(t.becomes(process::deposition, material::granite), material::sand);
  EXPECT_EQ(t.becomes(process::weathering, material::sand), material::sand);
  EXPECT_EQ(t.becomes(process::weathering, 200), 200);
}

TEST(materials, a_table_round_trips_through_its_file) {
  const material_table& t = material_table::defaults();
  auto again = material_table::parse(t.to_file());
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(again->to_file(), t.to_file());
  for (const material_entry& e : t.entries())
    for (std::size_t p = 0; p < process_count; ++p)
      EXPECT_EQ(again->becomes(static_cast<process>(p), e.id),
                t.becomes(static_cast<process>(p), e.id));
}

TEST(materials, a_user_table_may_add_materials) {
  auto t = material_table::parse(
      "[air]\nid = 0\nfluid = true\n[water]\nid = 1\nfluid = true\n"
      "# a custom rock\n[marble]\nid = 40\nweathering = \"chalk\"  # it crumbles\n"
      "[chalk]\nid = 41\n");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->becomes(process::weathering, 40), 41);
  EXPECT_EQ(t->find("chalk")->id, 41);
}

void expect_refused(const std::string& text, base::errc code, const std::string& mention) {
  auto t = material_table::parse(text);
  ASSERT_FALSE(t.ok()) << text;
  EXPECT_EQ(t.error().code, code) << t.error().to_string();
  EXPECT_NE(t.error().message.find(mention), std::string::npos) << t.error().to_string();
}

TEST(materials, malformed_tables_are_refused_with_what_is_wrong) {
  const std::string fluids = "[air]\nid = 0\nfluid = true\n[water]\nid = 1\nfluid = true\n";
  expect_refused(fluids + "[rock]\nid = 1\n", base::errc::invalid_config, "id 1 is used twice");
  expect_refused(fluids + "[air]\nid = 5\n", base::errc::invalid_config, "air is used twice");
  expect_refused(fluids + "[rock]\nid = 300\n", base::errc::invalid_config, "line 8");
  expect_refused(fluids + "[rock]\nid = 5\nweathering = \"dust\"\n", base::errc::invalid_config,
                 "dust");
  expect_refused(fluids + "[rock]\nid = 5\ncolour = \"red\"\n", base::errc::invalid_config,
                 "colour");
  expect_refused(fluids + "[rock\n", base::errc::parse_error, "line 7");
  expect_refused(fluids + "[rock]\nid 5\n", base::errc::parse_error, "line 8");
  expect_refused(fluids + "[Rock]\nid = 5\n", base::errc::invalid_config, "Rock");
  expect_refused(fluids + "[rock]\n", base::errc::invalid_config, "has no id");
  expect_refused("[air]\nid = 0\n[water]\nid = 1\nfluid = true\n", base::errc::invalid_config,
                 "air (id 0)");
  expect_refused("id = 3\n", base::errc::parse_error, "before the first");
}

}  // namespace
}  // namespace strata::geology
