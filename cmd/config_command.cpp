// strata config defaults | show
#include <cstdio>

#include "cmd/commands.hpp"

namespace strata::cmd {

int run_config(const args& words) {
  const std::string what = words.empty() ? "" : words[0];
  if (what == "defaults") {
    flag_parser flags("strata config defaults",
                      "Print a config file with every key at its default, documented.");
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    std::printf("%s", config::defaults_file().c_str());
    return exit_ok;
  }
  if (what == "show") {
    flag_parser flags("strata config show",
                      "Print the effective configuration after the file, the STRATA_* "
                      "environment and flags; fails on a bad value.");
    flags.add_config_file_and_set();
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    auto loaded = load_config(flags);
    if (!loaded)
      return report(loaded.error());
    std::printf("%s", config::to_file(*loaded).c_str());
    return exit_ok;
  }
  std::FILE* out = what == "--help" ? stdout : stderr;
  if (!what.empty() && what != "--help")
    std::fprintf(stderr, "strata: unknown config subcommand \"%s\"\n\n", what.c_str());
  std::fprintf(out,
               "usage: strata config SUBCOMMAND [flags]\n\n"
               "  defaults   a config file with every key at its default, documented\n"
               "  show       the effective configuration (--config FILE, STRATA_*, --set)\n");
  return what == "--help" ? exit_ok : exit_usage;
}

}  // namespace strata::cmd
