// The strata command's subcommands. Each takes the words after its name and returns the process
// exit status: 0 on success, 1 when the request failed (the error is printed), 2 on a usage error
// (the usage is printed).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "cmd/flags.hpp"
#include "config/config.hpp"

namespace strata::cmd {

using args = std::vector<std::string>;

inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

int run_version(const args& words);
int run_grid(const args& words);
int run_config(const args& words);
int run_demo(const args& words);
int run_survey(const args& words);
int run_bench(const args& words);
int run_compress(const args& words);
int run_decompress(const args& words);
int run_serve(const args& words);
int run_import(const args& words);
int run_push(const args& words);
int run_stream(const args& words);
int run_query(const args& words);
int run_stats(const args& words);
int run_admin(const args& words);

/// Parses `words` with `flags`; on --help prints the usage and sets `exit_status` to 0, on a
/// usage error prints the error and the usage and sets it to 2. Returns true when the command
/// should go on.
bool parse_or_exit(flag_parser& flags, const args& words, int& exit_status);

/// Loads the configuration from the flags' --config and config flags plus the environment.
base::result<config::config> load_config(const flag_parser& flags);

/// Prints "strata: <error>" to stderr and returns exit_failed.
int report(const base::error& failure);

/// Adds the world spec flags (--voxel-level, --region-level, --dz, --z-min, --z-max).
void add_world_flags(flag_parser& flags);

}  // namespace strata::cmd
