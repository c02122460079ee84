// strata bench compression
#include <algorithm>
#include <cstdio>

#include "bench/cluster_bench.hpp"
#include "bench/compression_bench.hpp"
#include "bench/ingest_bench.hpp"
#include "bench/runtime_bench.hpp"
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
  if (what == "ingest" && std::find(words.begin(), words.end(), "--rpc") != words.end()) {
    bench::runtime_options options;
    options.updates = 600;
    std::int64_t updates = static_cast<std::int64_t>(options.updates);
    std::int64_t in_flight = static_cast<std::int64_t>(options.in_flight);
    bool rpc = true;
    flag_parser flags("strata bench ingest --rpc",
                      "Durable geological updates on an imported real world through the actors "
                      "in process, then over Cap'n Proto RPC on loopback (a streaming push) into "
                      "a second server with the same fresh world.");
    flags.add_switch("rpc", "(this benchmark)", &rpc);
    flags.add_text("world", "NAME", "jacksboro (default) or topobathy", &options.world);
    flags.add_text("sample-data", "DIR", "where the .npz files are", &options.sample_data);
    flags.add_integer("updates", "N", "updates in the sequence (default 600)", &updates);
    flags.add_integer("in-flight", "N", "updates kept in flight (default 128)", &in_flight);
    flags.add_switch("json", "print one JSON object with a goals list", &options.json);
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    if (updates < 3 || in_flight < 1)
      return report(base::fail(base::errc::invalid_argument,
                               "--updates must be at least 3, --in-flight at least 1"));
    options.updates = static_cast<std::size_t>(updates);
    options.in_flight = static_cast<std::size_t>(in_flight);
    auto ran = bench::run_ingest_rpc(options);
    return ran ? exit_ok : report(ran.error());
  }
  if (what == "ingest") {
    bench::ingest_options options;
    std::int64_t updates = static_cast<std::int64_t>(options.updates);
    std::int64_t in_flight = static_cast<std::int64_t>(options.in_flight);
    std::int64_t cache_mb = static_cast<std::int64_t>(options.cache_bytes >> 20);
    flag_parser flags("strata bench ingest",
                      "Durable erosion, deposition and tectonic updates into region storage on an "
                      "imported real world, against a by-hand LMDB + zstd loop and an in-memory "
                      "ceiling.");
    flags.add_text("world", "NAME", "jacksboro (default) or topobathy", &options.world);
    flags.add_text("sample-data", "DIR", "where the .npz files are", &options.sample_data);
    flags.add_integer("updates", "N", "updates in the sequence (default 600)", &updates);
    flags.add_integer("in-flight", "N", "updates the client keeps in flight (default 128)",
                      &in_flight);
    flags.add_integer("cache-mb", "MB", "the store's cache budget (default 256)", &cache_mb);
    flags.add_switch("json", "print one JSON object with a goals list", &options.json);
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    if (updates < 3 || in_flight < 1 || cache_mb < 1)
      return report(
          base::fail(base::errc::invalid_argument,
                     "--updates must be at least 3, --in-flight and --cache-mb at least 1"));
    options.updates = static_cast<std::size_t>(updates);
    options.in_flight = static_cast<std::size_t>(in_flight);
    options.cache_bytes = static_cast<std::uint64_t>(cache_mb) << 20;
    auto ran = bench::run_ingest(options);
    return ran ? exit_ok : report(ran.error());
  }
  if (what == "cluster") {
    bench::cluster_options options;
    std::int64_t updates = static_cast<std::int64_t>(options.updates);
    std::int64_t nodes = static_cast<std::int64_t>(options.nodes_max);
    std::int64_t batch = static_cast<std::int64_t>(options.batch);
    std::int64_t passes = static_cast<std::int64_t>(options.passes);
    std::int64_t settle_s = static_cast<std::int64_t>(options.settle_s);
    flag_parser flags("strata bench cluster",
                      "Durable updates into a coordinator and 1, 2, then 3 node processes on this "
                      "machine, one client per node, against the embedded server; then, on two "
                      "nodes, the time to move a region and a range of known size, against a "
                      "store-level copy of the same rows.");
    flags.add_text("world", "NAME", "jacksboro (default) or topobathy", &options.world);
    flags.add_text("sample-data", "DIR", "where the .npz files are", &options.sample_data);
    flags.add_integer("updates", "N", "updates in the workload (default 600)", &updates);
    flags.add_integer("nodes", "N", "clusters of 1 to N nodes (default 3)", &nodes);
    flags.add_integer("batch", "N", "updates per push batch of each client (default 16)", &batch);
    flags.add_integer("passes", "N", "pushes of the workload, the median reported (default 3)",
                      &passes);
    flags.add_integer("settle-s", "S",
                      "wait at most S seconds for the servers to go idle before pushing (default "
                      "300)",
                      &settle_s);
    flags.add_switch("json", "print one JSON object with a goals list", &options.json);
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    if (updates < 3 || nodes < 1 || nodes > 8 || batch < 1 || passes < 1 || settle_s < 0)
      return report(base::fail(
          base::errc::invalid_argument,
          "--updates must be at least 3, --nodes 1 to 8, --batch and --passes at least 1, "
          "--settle-s not negative"));
    options.passes = static_cast<std::size_t>(passes);
    options.settle_s = static_cast<std::size_t>(settle_s);
    options.updates = static_cast<std::size_t>(updates);
    options.nodes_max = static_cast<std::size_t>(nodes);
    options.batch = static_cast<std::size_t>(batch);
    auto ran = bench::run_cluster(options);
    return ran ? exit_ok : report(ran.error());
  }
  if (what == "stream" || what == "query") {
    bench::runtime_options options;
    std::int64_t updates = static_cast<std::int64_t>(options.updates);
    std::int64_t passes = static_cast<std::int64_t>(options.passes);
    std::int64_t queries = static_cast<std::int64_t>(options.queries);
    flag_parser flags(
        "strata bench " + what,
        what == "stream"
            ? "Streams around moving viewers through the actor runtime, after a geological "
              "timeline, against plain LMDB gets of the same chunks; and the client's decoding."
            : "Voxel and column queries through the actor runtime, after a geological timeline, "
              "against the same queries on the store directly.");
    flags.add_text("world", "NAME", "jacksboro (default) or topobathy", &options.world);
    flags.add_text("sample-data", "DIR", "where the .npz files are", &options.sample_data);
    flags.add_integer("updates", "N", "updates in the timeline first (default 300)", &updates);
    if (what == "stream")
      flags.add_integer("passes", "N", "passes of the viewers over the sites (default 4)", &passes);
    else
      flags.add_integer("queries", "N", "queries of each kind (default 2000)", &queries);
    flags.add_switch("rpc", "also over Cap'n Proto RPC on loopback, beside the in-process figures",
                     &options.rpc);
    flags.add_switch("json", "print one JSON object with a goals list", &options.json);
    int status = exit_ok;
    if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
      return status;
    if (updates < 3 || passes < 1 || queries < 1)
      return report(base::fail(base::errc::invalid_argument,
                               "--updates must be at least 3, --passes and --queries at least 1"));
    options.updates = static_cast<std::size_t>(updates);
    options.passes = static_cast<std::size_t>(passes);
    options.queries = static_cast<std::size_t>(queries);
    auto ran = what == "stream" ? bench::run_stream(options) : bench::run_query(options);
    return ran ? exit_ok : report(ran.error());
  }
  std::FILE* out = what == "--help" ? stdout : stderr;
  if (!what.empty() && what != "--help")
    std::fprintf(stderr, "strata: unknown benchmark \"%s\"\n\n", what.c_str());
  std::fprintf(out,
               "usage: strata bench BENCHMARK [flags]\n\n"
               "  compression   hybrid compression against zstd, blosc and OpenVDB\n"
               "  ingest        durable geological updates against LMDB + zstd by hand\n"
               "                (--rpc: through the actors in process against over RPC)\n"
               "  stream        streaming through the actor runtime against LMDB gets\n"
               "  query         voxel and column queries through the actor runtime\n"
               "  cluster       ingest into 1, 2 and 3 node processes, and range moves\n"
               "  (stream and query take --rpc: the same again over Cap'n Proto RPC)\n");
  return what == "--help" ? exit_ok : exit_usage;
}

}  // namespace strata::cmd
