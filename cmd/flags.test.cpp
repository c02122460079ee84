// Proves the flag parser takes both flag spellings, negative numbers as values, and refuses
// unknown, repeated, malformed and missing flags with a message naming them.
#include "cmd/flags.hpp"

#include <gtest/gtest.h>

namespace strata::cmd {
namespace {

struct parsed {
  double lat = 0;
  std::int64_t count = 0;
  std::string name;
  bool json = false;
};

void declare(flag_parser& flags, parsed& into) {
  flags.add_number("lat", "DEG", "latitude", &into.lat, true);
  flags.add_integer("count", "N", "count", &into.count);
  flags.add_text("name", "TEXT", "name", &into.name);
  flags.add_switch("json", "json", &into.json);
  flags.add_config("voxel-level", "N", "voxel level", "world.voxel_level");
  flags.add_config_file_and_set();
}

TEST(flags, both_spellings_and_negative_values) {
  parsed into;
  flag_parser flags("strata test", "A test command.");
  declare(flags, into);
  ASSERT_TRUE(
      flags
          .parse({"--lat", "-48.5", "--count=7", "--name", "x y", "--json", "--voxel-level", "18",
                  "--set", "world.dz_m=0.5", "--set", "log.level=debug", "--config", "a.toml"})
          .ok());
  EXPECT_DOUBLE_EQ(into.lat, -48.5);
  EXPECT_EQ(into.count, 7);
  EXPECT_EQ(into.name, "x y");
  EXPECT_TRUE(into.json);
  EXPECT_EQ(flags.config_file(), "a.toml");
  const std::vector<std::pair<std::string, std::string>> expected{
      {"world.voxel_level", "18"}, {"world.dz_m", "0.5"}, {"log.level", "debug"}};
  EXPECT_EQ(flags.config_flags(), expected);
}

TEST(flags, errors_name_the_flag) {
  auto error_of = [](const std::vector<std::string>& words) {
    parsed into;
    flag_parser flags("strata test", "A test command.");
    declare(flags, into);
    auto result = flags.parse(words);
    EXPECT_FALSE(result.ok());
    return result.ok() ? std::string() : result.error().message;
  };
  EXPECT_EQ(error_of({"--lat", "1", "--bogus", "2"}), "unknown flag --bogus");
  EXPECT_EQ(error_of({"--count", "3"}), "missing required flag --lat");
  EXPECT_EQ(error_of({"--lat", "north"}), "--lat needs a number; got \"north\"");
  EXPECT_EQ(error_of({"--lat", "nan"}), "--lat needs a number; got \"nan\"");
  EXPECT_EQ(error_of({"--lat", "1", "--count", "2.5"}), "--count needs an integer; got \"2.5\"");
  EXPECT_EQ(error_of({"--lat"}), "--lat needs a value DEG");
  EXPECT_EQ(error_of({"--lat", "1", "--lat", "2"}), "--lat is given twice");
  EXPECT_EQ(error_of({"--lat", "1", "--json=yes"}), "--json takes no value");
  EXPECT_EQ(error_of({"--lat", "1", "stray"}), "unexpected argument \"stray\"");
  EXPECT_EQ(error_of({"--lat", "1", "--set", "novalue"}), "--set needs KEY=VALUE; got \"novalue\"");
}

TEST(flags, help_stops_parsing_and_usage_lists_every_flag) {
  parsed into;
  flag_parser flags("strata test", "A test command.");
  declare(flags, into);
  ASSERT_TRUE(flags.parse({"--help", "--bogus"}).ok());
  EXPECT_TRUE(flags.help_requested());
  const std::string usage = flags.usage();
  for (const char* name : {"--lat DEG", "--count N", "--json", "--voxel-level N", "--set KEY=VALUE",
                           "--config FILE", "[world.voxel_level]", "(required)"})
    EXPECT_NE(usage.find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace strata::cmd
