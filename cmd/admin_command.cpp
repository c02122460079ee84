// strata admin: the operator's commands for a cluster (docs/operations.md), through any node's
// client API: the shard map with owners, epochs and load; draining a node; moving a range.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "base/json.hpp"
#include "cmd/client_flags.hpp"
#include "cmd/commands.hpp"

namespace strata::cmd {

namespace {

void print_map(const client::shard_map& map, bool json) {
  if (json) {
    base::json_writer out;
    out.begin_object().key("version").value(map.version).key("ranges").begin_array();
    for (const client::shard_range& r : map.ranges)
      out.begin_object()
          .key("first")
          .value(r.first)
          .key("last")
          .value(r.last)
          .key("node")
          .value(r.node)
          .key("epoch")
          .value(r.epoch)
          .key("updates_per_s")
          .value(r.updates_per_s)
          .key("reads_per_s")
          .value(r.reads_per_s)
          .end_object();
    out.end_array().key("nodes").begin_array();
    for (const client::shard_node& n : map.nodes)
      out.begin_object()
          .key("id")
          .value(n.id)
          .key("state")
          .value(n.state)
          .key("address")
          .value(n.address)
          .key("stored_bytes")
          .value(n.stored_bytes)
          .key("updates_per_s")
          .value(n.updates_per_s)
          .key("reads_per_s")
          .value(n.reads_per_s)
          .end_object();
    out.end_array().key("moves").begin_array();
    for (const client::shard_move& m : map.moves)
      out.begin_object()
          .key("first")
          .value(m.first)
          .key("last")
          .value(m.last)
          .key("from")
          .value(m.from)
          .key("to")
          .value(m.to)
          .key("reason")
          .value(m.reason)
          .end_object();
    out.end_array().end_object();
    std::printf("%s\n", out.str().c_str());
    return;
  }
  std::printf("shard map version %" PRIu64 "\n\nnodes:\n", map.version);
  std::printf("  %-18s %-12s %-21s %14s %10s %10s\n", "id", "state", "address", "stored bytes",
              "updates/s", "reads/s");
  for (const client::shard_node& n : map.nodes)
    std::printf("  %-18" PRIu64 " %-12s %-21s %14" PRIu64 " %10.1f %10.1f\n", n.id, n.state.c_str(),
                n.address.c_str(), n.stored_bytes, n.updates_per_s, n.reads_per_s);
  std::printf("\nranges:\n  %-21s %-21s %-18s %6s %10s %10s\n", "first", "last", "node", "epoch",
              "updates/s", "reads/s");
  for (const client::shard_range& r : map.ranges)
    std::printf("  %-21" PRIu64 " %-21" PRIu64 " %-18" PRIu64 " %6" PRIu64 " %10.1f %10.1f\n",
                r.first, r.last, r.node, r.epoch, r.updates_per_s, r.reads_per_s);
  if (!map.moves.empty()) {
    std::printf("\nmoves:\n");
    for (const client::shard_move& m : map.moves)
      std::printf("  [%" PRIu64 ", %" PRIu64 "] node %" PRIu64 " -> node %" PRIu64 " (%s)\n",
                  m.first, m.last, m.from, m.to, m.reason.c_str());
  }
}

bool owns_any(const client::shard_map& map, std::uint64_t node) {
  for (const client::shard_range& r : map.ranges)
    if (r.node == node)
      return true;
  return false;
}

}  // namespace

int run_admin(const args& words) {
  const std::string what = words.empty() ? "" : words[0];
  client_flags connect;
  bool json = false, no_wait = false;
  double node = 0, first = 0, last = 0, wait_s = 120;
  flag_parser flags("strata admin shardmap|drain|move",
                    "Operate a cluster through any node's client API (docs/operations.md).\n"
                    "  shardmap   print the ranges, their owners, epochs and load, the nodes and "
                    "the moves in progress\n"
                    "  drain      hand every range of --node to other nodes; waits until it owns "
                    "none (what SIGTERM on a node does)\n"
                    "  move       hand the regions [--first, --last] to --node and wait until it "
                    "serves them");
  connect.add_to(flags);
  flags.add_switch("json", "print the map as one JSON object", &json);
  flags.add_number("node", "ID", "drain, move: the node", &node);
  flags.add_number("first", "REGION", "move: the first region id", &first);
  flags.add_number("last", "REGION", "move: the last region id", &last);
  flags.add_switch("no-wait", "drain: return once the drain has started", &no_wait);
  flags.add_number("wait-s", "SECONDS", "drain: how long to wait (default 120)", &wait_s);
  int status = exit_ok;
  if (what == "--help" || what == "-h" || what.empty()) {
    std::printf("%s", flags.usage().c_str());
    return what.empty() ? exit_usage : exit_ok;
  }
  if (what != "shardmap" && what != "drain" && what != "move") {
    std::fprintf(stderr, "strata: admin shardmap, drain or move, not \"%s\"\n\n%s", what.c_str(),
                 flags.usage().c_str());
    return exit_usage;
  }
  if (!parse_or_exit(flags, args(words.begin() + 1, words.end()), status))
    return status;
  auto c = connect.open();
  if (!c)
    return report(c.error());
  const auto id = static_cast<std::uint64_t>(node);
  if (what == "shardmap") {
    auto map = (*c)->map();
    if (!map)
      return report(map.error());
    print_map(*map, json);
    return exit_ok;
  }
  if (id == 0 || static_cast<double>(id) != node) {
    std::fprintf(stderr, "strata: admin %s needs --node ID (a node id from admin shardmap)\n",
                 what.c_str());
    return exit_usage;
  }
  if (what == "move") {
    auto map = (*c)->move(static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(last), id);
    if (!map)
      return report(map.error());
    print_map(*map, json);
    return exit_ok;
  }
  auto map = (*c)->drain(id);
  if (!map)
    return report(map.error());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(wait_s * 1e3));
  while (!no_wait && owns_any(*map, id)) {
    if (std::chrono::steady_clock::now() >= deadline)
      return report(base::error{base::errc::unavailable, "node " + std::to_string(id) +
                                                             " still owns ranges after " +
                                                             std::to_string(wait_s) + " s"});
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    map = (*c)->map();
    if (!map)
      return report(map.error());
  }
  if (!json)
    std::printf("strata admin: node %" PRIu64 " %s\n\n", id,
                no_wait ? "drains" : "owns nothing now");
  print_map(*map, json);
  return exit_ok;
}

}  // namespace strata::cmd
