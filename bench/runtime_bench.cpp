#include "bench/runtime_bench.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <deque>
#include <memory>
#include <random>

#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "actors/reader.hpp"
#include "actors/services.hpp"
#include "actors/types.hpp"
#include "base/testing.hpp"
#include "bench/common.hpp"
#include "bench/workload.hpp"
#include "client/client.hpp"
#include "compression/format.hpp"
#include "coordinator/server.hpp"
#include "geology/update_codec.hpp"
#include "geology/world_file.hpp"

namespace strata::bench {

namespace {

// The running server with its world after the timeline.
struct session {
  explicit session(const runtime_options& o) : options(o), dir("bench-runtime") {}
  const runtime_options& options;
  base::temp_dir dir;
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  // The server: its actors, and its gateway on a loopback port for the --rpc figures.
  std::unique_ptr<coordinator::server> host;
  coordinator::embedded* server = nullptr;
  geology::dem terrain;
  std::vector<geo::lat_lng> sites;
  std::size_t updates = 0;
  double timeline_seconds = 0;
  // From the first update sent to the last acknowledged (durable).
  double ingest_seconds = 0;
  std::uint64_t voxels_changed = 0;

  client::options client_options() const {
    client::options o;
    o.endpoint = host->address();
    return o;
  }

  ~session() {
    host.reset();  // stops the gateway and the actors before the system
    system.reset();
  }
};

// The timeline's updates, with the ids every run uses.
std::vector<geology::update> timeline(const session& s, const runtime_options& options) {
  const std::size_t per_kind = std::max<std::size_t>(1, options.updates / 3);
  return as_updates(make_workload(s.terrain, s.server->world().grid, per_kind));
}

// Pushes the timeline through the router, options.in_flight updates in flight.
base::status ingest_in_process(session& s, const std::vector<geology::update>& updates) {
  caf::scoped_actor self{*s.system};
  const auto timeout = std::chrono::seconds(60);
  using handle = decltype(self->request(s.server->router(), timeout, actors::apply_atom::value,
                                        std::string{}));
  std::deque<handle> in_flight;
  std::optional<base::error> failure;
  const auto settle_one = [&] {
    in_flight.front().receive(
        [&](actors::write_reply& reply) { s.voxels_changed += reply.voxels_changed; },
        [&](caf::error& e) {
          if (!failure)
            failure = actors::from_caf(e);
        });
    in_flight.pop_front();
  };
  for (const geology::update& u : updates) {
    in_flight.push_back(self->request(s.server->router(), timeout, actors::apply_atom::value,
                                      geology::serialize(u)));
    if (in_flight.size() >= s.options.in_flight)
      settle_one();
  }
  while (!in_flight.empty())
    settle_one();
  if (failure)
    return *failure;
  return {};
}

// Pushes the timeline over RPC: a streaming push through the gateway on loopback.
base::status ingest_rpc(session& s, const std::vector<geology::update>& updates) {
  auto c = client::connection::open(s.client_options());
  if (!c)
    return c.error();
  std::optional<base::error> failure;
  auto pushed = (*c)->push(
      updates,
      [&](const client::ack& a) {
        if (a.failure && !failure)
          failure = a.failure;
        s.voxels_changed += a.voxels_changed;
      },
      16);
  if (!pushed)
    return pushed.error();
  if (failure)
    return *failure;
  return {};
}

base::result<std::unique_ptr<session>> start(const runtime_options& options,
                                             bool rpc_ingest = false) {
  auto s = std::make_unique<session>(options);
  auto world = load_sample_world(options.world, options.sample_data);
  if (!world)
    return world.error();
  s->terrain = std::move(world->terrain);
  s->sites = workload_sites(s->terrain);
  actors::register_types(s->config);
  s->config.set("logger.console-verbosity", caf::atom("quiet"));
  s->config.set("logger.file-verbosity", caf::atom("quiet"));
  s->system = std::make_unique<caf::actor_system>(s->config);
  const geo::world_spec spec = world->spec;
  config::config settings;
  settings.world = spec;
  settings.gateway.push_updates_in_flight = options.in_flight;
  auto host = coordinator::server::start(*s->system, settings, s->dir.path(), "127.0.0.1:0");
  if (!host)
    return host.error();
  s->host = std::move(*host);
  if (auto made =
          s->host->create(spec, geology::serialize(geology::generator_record{{}, s->terrain}));
      !made)
    return made.error();
  s->server = s->host->runtime();

  // The timeline, through the router or over RPC, options.in_flight updates in flight.
  const auto updates = timeline(*s, options);
  stopwatch clock;
  if (auto ingested = rpc_ingest ? ingest_rpc(*s, updates) : ingest_in_process(*s, updates);
      !ingested)
    return ingested.error();
  s->ingest_seconds = clock.seconds();
  // Recompression and the LOD pyramid, as a running server would have caught up.
  if (auto drained = s->server->recompressor().drain(); !drained)
    return drained.error();
  s->timeline_seconds = clock.seconds();
  s->updates = updates.size();
  return s;
}

// What a stream's client received, filled by its actor and read once it reported done.
struct capture {
  std::chrono::steady_clock::time_point started;
  double first_chunk_us = -1;
  double total_us = 0;
  std::vector<actors::chunk_item> items;
  caf::error failure;
};

// A client of one stream: keeps what it receives and credits it at once.
caf::behavior client(caf::event_based_actor* self, std::shared_ptr<capture> into,
                     caf::actor report_to) {
  self->set_error_handler([self, into, report_to](caf::error& e) {
    into->failure = e;
    self->send(report_to, actors::done_atom::value);
    self->quit();
  });
  return {
      [self, into](actors::chunks_atom, std::uint64_t, actors::chunk_batch& batch) {
        if (into->first_chunk_us < 0)
          into->first_chunk_us = std::chrono::duration<double, std::micro>(
                                     std::chrono::steady_clock::now() - into->started)
                                     .count();
        const std::uint64_t n = batch.chunks.size();
        for (actors::chunk_item& item : batch.chunks)
          into->items.push_back(std::move(item));
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), actors::credit_atom::value,
                   n);
      },
      [self, into, report_to](actors::done_atom, std::uint64_t, const actors::stream_stats&) {
        into->total_us = std::chrono::duration<double, std::micro>(
                             std::chrono::steady_clock::now() - into->started)
                             .count();
        self->send(report_to, actors::done_atom::value);
        self->quit();
      },
  };
}

void print_line(const char* name, double value, const char* unit) {
  std::printf("  %-34s %12.2f %s\n", name, value, unit);
}

}  // namespace

base::status run_stream(const runtime_options& options) {
  auto started = start(options);
  if (!started)
    return started.error();
  session& s = **started;
  const geo::grid& grid = s.server->world().grid;
  const double chunk_column_m = geo::average_cell_width_m(grid.spec().voxel_level) * 32;
  caf::scoped_actor self{*s.system};

  std::vector<double> first_chunk_ms;
  std::uint64_t chunks = 0, stored = 0, baseline = 0, built = 0, errors = 0;
  double strata_seconds = 0, anchor_seconds = 0;
  std::uint64_t anchor_bytes = 0, warmup_built = 0;
  std::vector<actors::chunk_item> received;
  // Viewers moving east at 30 m/s, one chunk column further on each pass.
  std::vector<actors::stream_request> requests;
  for (std::size_t pass = 0; pass < options.passes; ++pass)
    for (const geo::lat_lng& site : s.sites) {
      actors::stream_request request;
      const double east_deg = static_cast<double>(pass) * chunk_column_m /
                              (111320 * std::cos(site.lat_deg * M_PI / 180));
      request.centre = {site.lat_deg, site.lng_deg + east_deg};
      request.radius_m = 6 * chunk_column_m;
      request.lod_max = 8;
      request.lod_step_m = 2 * chunk_column_m;
      request.velocity_east_mps = 30;
      requests.push_back(request);
    }
  // With --rpc, each stream goes over RPC too, right after it ran in process, so both see the
  // same state of the machine: the same streams through the gateway, Cap'n Proto's flow control
  // and the client library.
  std::vector<double> rpc_first_chunk_ms;
  std::uint64_t rpc_chunks = 0;
  double rpc_seconds = 0;
  std::unique_ptr<client::connection> rpc;
  if (options.rpc) {
    auto c = client::connection::open(s.client_options());
    if (!c)
      return c.error();
    rpc = std::move(*c);
  }
  auto stream_rpc = [&](const actors::stream_request& r, bool measured) -> base::status {
    client::stream_request request{r.centre,     r.radius_m,          r.lod_max,
                                   r.lod_step_m, r.velocity_east_mps, r.velocity_north_mps};
    std::uint64_t got = 0;
    auto stats = rpc->stream(
        request, [&](std::vector<client::streamed_chunk>& batch) { got += batch.size(); });
    if (!stats)
      return stats.error();
    if (measured) {
      rpc_first_chunk_ms.push_back(stats->client_first_chunk_ms);
      rpc_seconds += stats->client_total_ms / 1e3;
      rpc_chunks += got;
    }
    return {};
  };
  // Round 0 is a warm-up, not measured: viewers that reach past the imported terrain make the
  // server build LOD parents there once, which recompression then stores (the anchor could not
  // read them otherwise), and the connection's and the gateway's first streams allocate what
  // later ones reuse. Round 1 streams the same sequence and is measured.
  for (int round = 0; round < 2; ++round)
    for (const actors::stream_request& request : requests) {
      auto into = std::make_shared<capture>();
      caf::actor sink = s.system->spawn(client, into, caf::actor_cast<caf::actor>(self));
      into->started = std::chrono::steady_clock::now();
      self->request(s.server->router(), std::chrono::seconds(60), actors::stream_atom::value,
                    request, sink)
          .receive([](caf::actor&) {}, [&](caf::error& e) { into->failure = e; });
      if (into->failure)
        return actors::from_caf(into->failure);
      self->receive([](actors::done_atom) {});
      if (into->failure)
        return actors::from_caf(into->failure);
      if (rpc)
        if (auto streamed = stream_rpc(request, round == 1); !streamed)
          return streamed.error();
      if (round == 0) {
        for (const actors::chunk_item& item : into->items)
          warmup_built += item.source == 2;
        if (&request == &requests.back())
          if (auto drained = s.server->recompressor().drain(); !drained)
            return drained.error();
        continue;
      }
      first_chunk_ms.push_back(into->first_chunk_us / 1000);
      strata_seconds += into->total_us / 1e6;
      chunks += into->items.size();
      // The anchor: the same chunks in the same order, plain LMDB gets.
      std::vector<shard::chunk_key> keys;
      for (const actors::chunk_item& item : into->items)
        keys.push_back(item.key);
      std::string copy;
      stopwatch anchor;
      auto got =
          s.server->store().get_many(keys, [&](const shard::chunk_key&, std::string_view bytes) {
            copy.assign(bytes);
            anchor_bytes += copy.size();
          });
      anchor_seconds += anchor.seconds();
      if (!got)
        return got.error();
      for (actors::chunk_item& item : into->items) {
        errors += item.error_code != 0;
        stored += item.source == 0;
        baseline += item.source == 1;
        built += item.source == 2;
        received.push_back(std::move(item));
      }
    }
  if (errors > 0)
    return base::fail(base::errc::corrupt_data,
                      std::to_string(errors) + " streamed chunks came with errors");

  // The client decodes what it received: stored and built chunks with the compression library,
  // baseline chunks regenerated from the world's generator.
  const shard::baseline_source generate = shard::baseline_of(s.server->world());
  compression::chunk decoded;
  std::uint64_t sum = 0;
  stopwatch decoding;
  for (const actors::chunk_item& item : received) {
    if (item.source == 1) {
      generate(item.key, decoded);
    } else if (auto ok = compression::decode_chunk(item.bytes, decoded); !ok) {
      return ok.error();
    }
    sum += decoded.material[item.key.morton % compression::voxels];
  }
  const double decode_seconds = decoding.seconds();
  if (sum == 1)
    std::fprintf(stderr, " ");  // keeps the decoding from being optimised away

  const double voxel_bytes = static_cast<double>(chunks) * compression::chunk_bytes;
  const double strata_rate = static_cast<double>(chunks) / strata_seconds;
  const double anchor_rate = static_cast<double>(chunks) / anchor_seconds;
  const double decode_mb_s = mb_per_second(voxel_bytes, decode_seconds);
  const double ttfc_p50 = percentile(first_chunk_ms, 0.5),
               ttfc_p99 = percentile(first_chunk_ms, 0.99);
  std::vector<goal> goals = {
      {"stream_chunk_rate_vs_lmdb_gets", strata_rate / anchor_rate, 0.25, false},
      {"client_decode_mb_per_s", decode_mb_s, 1000, false},
      {"time_to_first_chunk_p99_ms", ttfc_p99, 5, true},
  };
  const double rpc_rate = rpc_seconds > 0 ? static_cast<double>(rpc_chunks) / rpc_seconds : 0;
  if (options.rpc) {
    goals.push_back({"rpc_stream_chunk_rate_vs_in_process", rpc_rate / strata_rate, 0.67, false});
    goals.push_back(
        {"rpc_time_to_first_chunk_p99_ms", percentile(rpc_first_chunk_ms, 0.99), 5, true});
  }
  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world).key("timeline_updates").value(s.updates);
    write_goals(out, goals);
    out.key("streams")
        .value(first_chunk_ms.size())
        .key("chunks")
        .value(chunks)
        .key("chunks_stored")
        .value(stored)
        .key("chunks_baseline")
        .value(baseline)
        .key("chunks_built")
        .value(built)
        .key("warmup_chunks_built")
        .value(warmup_built)
        .key("strata_chunks_per_s")
        .value(strata_rate)
        .key("strata_voxel_mb_per_s")
        .value(mb_per_second(voxel_bytes, strata_seconds))
        .key("anchor_chunks_per_s")
        .value(anchor_rate)
        .key("anchor_stored_bytes")
        .value(anchor_bytes)
        .key("time_to_first_chunk_ms_p50")
        .value(ttfc_p50)
        .key("time_to_first_chunk_ms_p99")
        .value(ttfc_p99)
        .key("client_decode_mb_per_s")
        .value(decode_mb_s);
    if (options.rpc)
      out.key("rpc_chunks")
          .value(rpc_chunks)
          .key("rpc_chunks_per_s")
          .value(rpc_rate)
          .key("rpc_time_to_first_chunk_ms_p50")
          .value(percentile(rpc_first_chunk_ms, 0.5))
          .key("rpc_time_to_first_chunk_ms_p99")
          .value(percentile(rpc_first_chunk_ms, 0.99));
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }
  std::printf("strata bench stream: %s, %zu updates in the timeline (%.1f s), %zu streams\n",
              options.world.c_str(), s.updates, s.timeline_seconds, first_chunk_ms.size());
  std::printf(
      "  chunks: %llu (%llu stored, %llu untouched, %llu LOD parents built; %llu built "
      "in the warm-up)\n",
      static_cast<unsigned long long>(chunks), static_cast<unsigned long long>(stored),
      static_cast<unsigned long long>(baseline), static_cast<unsigned long long>(built),
      static_cast<unsigned long long>(warmup_built));
  print_line("strata streaming", strata_rate, "chunks/s");
  print_line("strata streaming, voxels", mb_per_second(voxel_bytes, strata_seconds), "MB/s");
  print_line("anchor: LMDB gets, same order", anchor_rate, "chunks/s");
  print_line("time to first chunk P50", ttfc_p50, "ms");
  print_line("time to first chunk P99", ttfc_p99, "ms");
  print_line("client decode", decode_mb_s, "MB/s of voxels");
  if (options.rpc) {
    print_line("over RPC (loopback)", rpc_rate, "chunks/s");
    print_line("over RPC, time to first chunk P50", percentile(rpc_first_chunk_ms, 0.5), "ms");
    print_line("over RPC, time to first chunk P99", percentile(rpc_first_chunk_ms, 0.99), "ms");
  }
  print_goals(goals);
  return {};
}

base::status run_query(const runtime_options& options) {
  auto started = start(options);
  if (!started)
    return started.error();
  session& s = **started;
  const geo::world_spec& spec = s.server->world().grid.spec();
  caf::scoped_actor self{*s.system};
  std::mt19937_64 random(20261122);
  std::uniform_real_distribution<double> unit(-1, 1);
  const double spread_deg = 3 * geo::average_cell_width_m(spec.voxel_level) * 32 / 111320;
  std::vector<geo::position> points;
  for (std::size_t n = 0; n < options.queries; ++n) {
    const geo::lat_lng& site = s.sites[n % s.sites.size()];
    points.push_back({site.lat_deg + unit(random) * spread_deg,
                      site.lng_deg + unit(random) * spread_deg,
                      spec.z_min_m + (unit(random) + 1) / 2 * (spec.z_max_m - spec.z_min_m)});
  }
  const auto timeout = std::chrono::seconds(10);
  std::vector<double> voxel_ms, column_ms, direct_voxel_ms, direct_column_ms;
  std::optional<base::error> failure;
  const auto fail = [&](caf::error& e) {
    if (!failure)
      failure = actors::from_caf(e);
  };
  for (const geo::position& p : points) {
    stopwatch t;
    self->request(s.server->router(), timeout, actors::voxel_atom::value, p)
        .receive([](actors::voxel_answer&) {}, fail);
    voxel_ms.push_back(t.seconds() * 1e3);
  }
  for (const geo::position& p : points) {
    stopwatch t;
    self->request(s.server->router(), timeout, actors::column_atom::value,
                  geo::lat_lng{p.lat_deg, p.lng_deg})
        .receive([](actors::column_answer&) {}, fail);
    column_ms.push_back(t.seconds() * 1e3);
  }
  if (failure)
    return *failure;
  // Over RPC, one at a time from a client on loopback.
  std::vector<double> rpc_voxel_ms, rpc_column_ms;
  if (options.rpc) {
    auto c = client::connection::open(s.client_options());
    if (!c)
      return c.error();
    for (const geo::position& p : points) {
      stopwatch t;
      if (auto a = (*c)->voxel(p); !a)
        return a.error();
      rpc_voxel_ms.push_back(t.seconds() * 1e3);
    }
    for (const geo::position& p : points) {
      stopwatch t;
      if (auto a = (*c)->column({p.lat_deg, p.lng_deg}); !a)
        return a.error();
      rpc_column_ms.push_back(t.seconds() * 1e3);
    }
  }
  // The anchor: the same answers from direct calls on the store.
  actors::manual_commits unused(s.server->store());
  const actors::node_services direct(s.server->store(), s.server->world(),
                                     geology::material_table::defaults(), unused, {});
  for (const geo::position& p : points) {
    stopwatch t;
    if (auto a = actors::query_voxel(direct, p); !a)
      return a.error();
    direct_voxel_ms.push_back(t.seconds() * 1e3);
  }
  for (const geo::position& p : points) {
    stopwatch t;
    if (auto a = actors::query_column(direct, {p.lat_deg, p.lng_deg}); !a)
      return a.error();
    direct_column_ms.push_back(t.seconds() * 1e3);
  }
  std::vector<goal> goals = {
      {"point_query_p99_ms", percentile(voxel_ms, 0.99), 1, true},
  };
  if (options.rpc)
    goals.push_back({"rpc_point_query_p99_ms", percentile(rpc_voxel_ms, 0.99), 1, true});
  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world).key("queries").value(points.size());
    write_goals(out, goals);
    out.key("voxel_ms_p50").value(percentile(voxel_ms, 0.5));
    out.key("voxel_ms_p99").value(percentile(voxel_ms, 0.99));
    out.key("column_ms_p50").value(percentile(column_ms, 0.5));
    out.key("column_ms_p99").value(percentile(column_ms, 0.99));
    out.key("direct_voxel_ms_p50").value(percentile(direct_voxel_ms, 0.5));
    out.key("direct_voxel_ms_p99").value(percentile(direct_voxel_ms, 0.99));
    out.key("direct_column_ms_p50").value(percentile(direct_column_ms, 0.5));
    out.key("direct_column_ms_p99").value(percentile(direct_column_ms, 0.99));
    if (options.rpc) {
      out.key("rpc_voxel_ms_p50").value(percentile(rpc_voxel_ms, 0.5));
      out.key("rpc_voxel_ms_p99").value(percentile(rpc_voxel_ms, 0.99));
      out.key("rpc_column_ms_p50").value(percentile(rpc_column_ms, 0.5));
      out.key("rpc_column_ms_p99").value(percentile(rpc_column_ms, 0.99));
    }
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }
  std::printf("strata bench query: %s, %zu updates in the timeline, %zu queries of each kind\n",
              options.world.c_str(), s.updates, points.size());
  print_line("voxel query P50, through actors", percentile(voxel_ms, 0.5), "ms");
  print_line("voxel query P99, through actors", percentile(voxel_ms, 0.99), "ms");
  print_line("voxel query P50, direct", percentile(direct_voxel_ms, 0.5), "ms");
  print_line("voxel query P99, direct", percentile(direct_voxel_ms, 0.99), "ms");
  print_line("column query P50, through actors", percentile(column_ms, 0.5), "ms");
  print_line("column query P99, through actors", percentile(column_ms, 0.99), "ms");
  print_line("column query P50, direct", percentile(direct_column_ms, 0.5), "ms");
  print_line("column query P99, direct", percentile(direct_column_ms, 0.99), "ms");
  if (options.rpc) {
    print_line("voxel query P50, over RPC", percentile(rpc_voxel_ms, 0.5), "ms");
    print_line("voxel query P99, over RPC", percentile(rpc_voxel_ms, 0.99), "ms");
    print_line("column query P50, over RPC", percentile(rpc_column_ms, 0.5), "ms");
    print_line("column query P99, over RPC", percentile(rpc_column_ms, 0.99), "ms");
  }
  print_goals(goals);
  return {};
}

base::status run_ingest_rpc(const runtime_options& options) {
  // Two fresh servers with the same world: the timeline in process, then over RPC.
  double seconds[2] = {0, 0};
  std::uint64_t voxels[2] = {0, 0};
  std::size_t updates = 0;
  for (int rpc = 0; rpc < 2; ++rpc) {
    auto started = start(options, rpc == 1);
    if (!started)
      return started.error();
    seconds[rpc] = (*started)->ingest_seconds;
    voxels[rpc] = (*started)->voxels_changed;
    updates = (*started)->updates;
  }
  if (voxels[0] != voxels[1])
    return base::fail(base::errc::corrupt_data,
                      "the timeline changed " + std::to_string(voxels[0]) +
                          " voxels in process but " + std::to_string(voxels[1]) + " over RPC");
  const double in_process = static_cast<double>(updates) / seconds[0];
  const double over_rpc = static_cast<double>(updates) / seconds[1];
  const std::vector<goal> goals = {
      {"rpc_ingest_rate_vs_in_process", over_rpc / in_process, 0.67, false},
  };
  if (options.json) {
    base::json_writer out;
    out.begin_object().key("world").value(options.world).key("updates").value(updates);
    write_goals(out, goals);
    out.key("in_flight").value(options.in_flight);
    out.key("in_process_updates_per_s").value(in_process);
    out.key("rpc_updates_per_s").value(over_rpc);
    out.key("voxels_changed").value(voxels[0]);
    out.key("in_process_voxel_changes_per_s").value(static_cast<double>(voxels[0]) / seconds[0]);
    out.key("rpc_voxel_changes_per_s").value(static_cast<double>(voxels[1]) / seconds[1]);
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return {};
  }
  std::printf("strata bench ingest --rpc: %s, %zu durable updates, %zu in flight\n",
              options.world.c_str(), updates, options.in_flight);
  print_line("through the router, in process", in_process, "updates/s");
  print_line("over RPC (streaming push, loopback)", over_rpc, "updates/s");
  print_line("voxel changes/s, in process", static_cast<double>(voxels[0]) / seconds[0], "");
  print_line("voxel changes/s, over RPC", static_cast<double>(voxels[1]) / seconds[1], "");
  print_goals(goals);
  return {};
}

}  // namespace strata::bench
