// The strata command: one binary, subcommands dispatched by name.
#include <cstdio>
#include <string>
#include <vector>

#include <zstd.h>

#include "base/build_info.hpp"
#include "base/json.hpp"
#include "cmd/commands.hpp"

namespace strata::cmd {

namespace {

struct subcommand {
  const char* name;
  const char* summary;
  int (*run)(const args&);
};

int run_help(const args& words);

const subcommand subcommands[] = {
    {"help", "list the subcommands, or show one's flags: strata help SUBCOMMAND", run_help},
    {"version", "print the version of strata and of the libraries it was built with", run_version},
    {"grid", "map between latitude/longitude/altitude and the world grid (locate, cover)",
     run_grid},
    {"config", "print the default or the effective configuration (defaults, show)", run_config},
    {"demo", "run an embedded server on real terrain through a geological timeline", run_demo},
    {"survey", "what a DEM becomes on the grid: regions, columns, chunks", run_survey},
    {"serve", "run a server: embedded, or a cluster's coordinator or node", run_serve},
    {"import", "create a server's world from a DEM", run_import},
    {"push", "send geological updates to a server", run_push},
    {"stream", "stream the area around a viewer, optionally as a picture", run_stream},
    {"query", "what is at a place: a voxel or a column of layers", run_query},
    {"stats", "what a server stores: chunks, bytes, codecs, updates", run_stats},
    {"admin", "operate a cluster: the shard map, draining a node, moving a range", run_admin},
    {"compress", "compress a dense uint8 volume with the hybrid codecs", run_compress},
    {"decompress", "restore a volume written by strata compress", run_decompress},
    {"bench", "benchmarks against the anchors (compression, ingest, stream, query)", run_bench},
};

void print_subcommands(std::FILE* out) {
  std::fprintf(out, "usage: strata SUBCOMMAND [flags]\n\nsubcommands:\n");
  for (const subcommand& s : subcommands)
    std::fprintf(out, "  %-10s %s\n", s.name, s.summary);
  std::fprintf(out, "\nstrata SUBCOMMAND --help shows a subcommand's flags.\n");
}

int run_help(const args& words) {
  if (words.empty()) {
    print_subcommands(stdout);
    return exit_ok;
  }
  for (const subcommand& s : subcommands)
    if (words[0] == s.name && s.run != run_help)
      return s.run({"--help"});
  std::fprintf(stderr, "strata: unknown subcommand \"%s\"\n\n", words[0].c_str());
  print_subcommands(stderr);
  return exit_usage;
}

}  // namespace

int run_version(const args& words) {
  bool json = false;
  flag_parser flags("strata version", "Print the version of strata and its libraries.");
  flags.add_switch("json", "print one JSON object", &json);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  if (json) {
    base::json_writer out;
    out.begin_object()
        .key("strata")
        .value(base::strata_version)
        .key("caf")
        .value(base::caf_version)
        .key("capnp")
        .value(base::capnp_version)
        .key("zstd")
        .value(ZSTD_versionString())
        .key("build_type")
        .value(base::build_type)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("strata %s (%s)\n  CAF %s, Cap'n Proto %s, zstd %s\n", base::strata_version,
                base::build_type, base::caf_version, base::capnp_version, ZSTD_versionString());
  }
  return exit_ok;
}

int dispatch(const args& words) {
  if (words.empty()) {
    print_subcommands(stderr);
    return exit_usage;
  }
  if (words[0] == "--help" || words[0] == "-h")
    return run_help({});
  if (words[0] == "--version")
    return run_version({});
  for (const subcommand& s : subcommands)
    if (words[0] == s.name)
      return s.run(args(words.begin() + 1, words.end()));
  std::fprintf(stderr, "strata: unknown subcommand \"%s\"\n\n", words[0].c_str());
  print_subcommands(stderr);
  return exit_usage;
}

}  // namespace strata::cmd

int main(int argc, char** argv) {
  return strata::cmd::dispatch(strata::cmd::args(argv + 1, argv + argc));
}
