// strata bench compression
#include <cstdio>

#include "bench/compression_bench.hpp"
#include "cmd/commands.hpp"

namespace strata::cmd {

int run_bench(const args& words) {
  const std::string what = words.empty() ? "" : words[0];
  if (what == "compression") {
    bench::compression_options options;
    std::int64_t columns_max = 0;
    flag_parser flags(
        "strata bench compression",
        "Stored bytes and MB/s of strata's hybrid compression against zstd, blosc and "
        "OpenVDB on every chunk of a real world, before and after an erosion pass.");
    flags.add_text("world", "NAME", "topobathy (default) or jacksboro", &options.world);
    flags.add_text("sample-data", "DIR", "where the .npz files are", &options.sample_data);
    flags.add_integer("chunk-columns", "N", "stop after N chunk columns (default: all)",
                      &columns_max);
    flags.add_switch("json", "print one JSON object with a goals list", &options.json);
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    if (columns_max < 0)
      return report(
          base::fail(base::errc::invalid_argument, "--chunk-columns must not be negative"));
    options.chunk_columns_max = static_cast<std::size_t>(columns_max);
    auto ran = bench::run_compression(options);
    return ran ? exit_ok : report(ran.error());
  }
  std::FILE* out = what == "--help" ? stdout : stderr;
  if (!what.empty() && what != "--help")
    std::fprintf(stderr, "strata: unknown benchmark \"%s\"\n\n", what.c_str());
  std::fprintf(out,
               "usage: strata bench BENCHMARK [flags]\n\n"
               "  compression   hybrid compression against zstd, blosc and OpenVDB\n");
  return what == "--help" ? exit_ok : exit_usage;
}

}  // namespace strata::cmd
