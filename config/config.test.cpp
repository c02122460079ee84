// Proves the layers apply in order (defaults < file < environment < flags), bad values are refused
// with the key and where they came from, and the printed defaults file reads back unchanged.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace strata::config {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/strata_config_" + name + ".toml";
  std::ofstream(path) << text;
  return path;
}

void expect_error(const base::result<config>& loaded, base::errc code,
                  const std::vector<std::string>& fragments) {
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, code) << loaded.error().to_string();
  for (const std::string& fragment : fragments)
    EXPECT_NE(loaded.error().message.find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << loaded.error().message;
}

TEST(config, defaults_match_the_documented_world) {
  auto loaded = load({});
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  // The config defaults are the world spec defaults.
  EXPECT_EQ(loaded->world, geo::world_spec{});
  EXPECT_EQ(loaded->data_dir, "strata-data");
  EXPECT_EQ(loaded->listen, "127.0.0.1:7400");
  EXPECT_EQ(loaded->log, log_level::info);
  EXPECT_EQ(loaded->cover_regions_max, 1000000u);
}

TEST(config, layers_apply_in_order_of_precedence) {
  const std::string path = write_file("layers",
                                      "# a comment\n"
                                      "[world]\n"
                                      "voxel_level = 18   # trailing comment\n"
                                      "region_level = 10\n"
                                      "dz_m = 0.5\n"
                                      "name = \"a \\\"quoted\\\" name\"\n"
                                      "\n"
                                      "[node]\n"
                                      "data_dir = \"/var/lib/strata\"\n"
                                      "[limits]\n"
                                      "cover_regions_max = 2_000\n");
  sources from;
  from.file = path;
  from.environment = {{"STRATA_WORLD_REGION_LEVEL", "9"},
                      {"STRATA_NODE_DATA_DIR", "/env"},
                      {"STRATA_SOMETHING_ELSE", "ignored"}};
  from.flags = {{"node.data_dir", "/flag"}, {"log.level", "debug"}};
  auto loaded = load(from);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_EQ(loaded->world.voxel_level, 18);  // file over default
  EXPECT_EQ(loaded->world.region_level, 9);  // environment over file
  EXPECT_EQ(loaded->data_dir, "/flag");      // flag over environment
  EXPECT_DOUBLE_EQ(loaded->world.dz_m, 0.5);
  EXPECT_EQ(loaded->world.name, "a \"quoted\" name");
  EXPECT_EQ(loaded->log, log_level::debug);
  EXPECT_EQ(loaded->cover_regions_max, 2000u);
  EXPECT_EQ(loaded->world.z_min_m, -11000);  // untouched default
}

TEST(config, bad_values_name_the_key_and_their_origin) {
  sources from;
  from.environment = {{"STRATA_WORLD_VOXEL_LEVEL", "31"}};
  expect_error(load(from), base::errc::invalid_config,
               {"world.voxel_level", "environment STRATA_WORLD_VOXEL_LEVEL", "outside 0..30"});
  from.environment = {{"STRATA_WORLD_DZ_M", "two"}};
  expect_error(load(from), base::errc::invalid_config, {"world.dz_m", "not a number"});
  from.environment = {};
  from.flags = {{"log.level", "loud"}};
  expect_error(load(from), base::errc::invalid_config, {"log.level", "flag", "debug, info"});
  from.flags = {{"world.voxel_level", "12.5"}};
  expect_error(load(from), base::errc::invalid_config, {"not an integer"});
  from.flags = {{"world.no_such_key", "1"}};
  expect_error(load(from), base::errc::invalid_config, {"world.no_such_key", "unknown key"});
  // Each value is fine alone; together they break the spec, and the message names the key.
  from.flags = {{"world.voxel_level", "14"}, {"world.region_level", "12"}};
  expect_error(load(from), base::errc::invalid_config, {"world.region_level", "at least 5"});
  from.flags = {{"world.z_min_m", "100"}, {"world.z_max_m", "50"}};
  expect_error(load(from), base::errc::invalid_config, {"world.z_min_m"});
}

TEST(config, file_errors_give_the_line) {
  sources from;
  from.file = write_file("unknown", "[world]\nvoxel_level = 18\nvoxel_size = 3\n");
  expect_error(load(from), base::errc::invalid_config, {"world.voxel_size", ":3", "unknown key"});
  from.file = write_file("syntax", "[world]\n\nvoxel_level 18\n");
  expect_error(load(from), base::errc::parse_error, {":3", "key = value"});
  from.file = write_file("string", "[node]\ndata_dir = \"open\n");
  expect_error(load(from), base::errc::parse_error, {":2", "unterminated"});
  from.file = write_file("spaces", "[node]\ndata_dir = two words\n");
  expect_error(load(from), base::errc::parse_error, {"quote strings"});
  from.file = write_file("range", "[world]\nvoxel_level = 99\n");
  expect_error(load(from), base::errc::invalid_config, {"world.voxel_level", ":2", "outside"});
  from.file = ::testing::TempDir() + "/strata_config_does_not_exist.toml";
  expect_error(load(from), base::errc::not_found, {"does_not_exist"});
}

TEST(config, printed_files_read_back_to_the_same_config) {
  sources from;
  from.file = write_file("defaults", defaults_file());
  auto defaults = load(from);
  ASSERT_TRUE(defaults.ok()) << defaults.error().to_string();
  auto plain = load({});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(defaults->world, plain->world);
  EXPECT_EQ(defaults->data_dir, plain->data_dir);

  sources changed;
  changed.flags = {{"world.voxel_level", "22"},
                   {"world.dz_m", "0.125"},
                   {"node.listen", "0.0.0.0:9000"},
                   {"log.level", "warn"}};
  auto effective = load(changed);
  ASSERT_TRUE(effective.ok());
  sources again;
  again.file = write_file("effective", to_file(*effective));
  auto reread = load(again);
  ASSERT_TRUE(reread.ok()) << reread.error().to_string();
  EXPECT_EQ(reread->world, effective->world);
  EXPECT_EQ(reread->listen, "0.0.0.0:9000");
  EXPECT_EQ(reread->log, log_level::warn);
}

TEST(config, every_key_is_documented_in_docs_config_md) {
  std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/docs/config.md");
  ASSERT_TRUE(in) << "docs/config.md is missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const key_doc& key : keys()) {
    EXPECT_NE(doc.find("`" + key.name + "`"), std::string::npos) << key.name;
    EXPECT_NE(doc.find(key.environment), std::string::npos) << key.environment;
  }
}

}  // namespace
}  // namespace strata::config
