#include <cstdio>

#include "cmd/commands.hpp"

namespace strata::cmd {

bool parse_or_exit(flag_parser& flags, const args& words, int& exit_status) {
  auto parsed = flags.parse(words);
  if (!parsed) {
    std::fprintf(stderr, "strata: %s\n\n%s", parsed.error().message.c_str(), flags.usage().c_str());
    exit_status = exit_usage;
    return false;
  }
  if (flags.help_requested()) {
    std::printf("%s", flags.usage().c_str());
    exit_status = exit_ok;
    return false;
  }
  return true;
}

base::result<config::config> load_config(const flag_parser& flags) {
  config::sources from;
  if (!flags.config_file().empty())
    from.file = flags.config_file();
  from.environment = config::process_environment();
  from.flags = flags.config_flags();
  return config::load(from);
}

int report(const base::error& failure) {
  std::fprintf(stderr, "strata: %s\n", failure.to_string().c_str());
  return exit_failed;
}

void add_world_flags(flag_parser& flags) {
  flags.add_config("voxel-level", "N", "S2 level of a voxel column, 0..30", "world.voxel_level");
  flags.add_config("region-level", "N", "S2 level of a region", "world.region_level");
  flags.add_config("dz", "M", "voxel height in metres", "world.dz_m");
  flags.add_config("z-min", "M", "altitude of the world's floor in metres", "world.z_min_m");
  flags.add_config("z-max", "M", "altitude of the world's ceiling in metres", "world.z_max_m");
  flags.add_config_file_and_set();
}

}  // namespace strata::cmd
