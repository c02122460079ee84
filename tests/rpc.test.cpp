// End-to-end tests of the client API (issue: the client API): a real server (the embedded
// actors behind the gateway) and real clients talking Cap'n Proto RPC over loopback, including
// the bad-input suite: malformed and oversized messages, out-of-range coordinates, oversized
// footprints, a wrong token, a client that vanishes mid-stream, and a server killed during a
// push (a child process). Every test checks that the server stays up and that no acknowledged
// update is lost.
#include <arpa/inet.h>
#include <capnp/message.h>
#include <capnp/rpc-twoparty.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "actors/types.hpp"
#include "base/testing.hpp"
#include "bench/workload.hpp"
#include "client/client.hpp"
#include "coordinator/server.hpp"
#include "geology/dem.hpp"
#include "geology/world_file.hpp"
#include "schema/api.capnp.h"
#include "tests/world_fixture.hpp"

namespace strata {
namespace {

using namespace std::chrono_literals;
using test_world::generator_record;
using test_world::workload;
using test_world::world_spec;

geology::update erosion_at(geo::lat_lng centre, double radius_m, float depth_m) {
  geology::update u;
  u.id = client::random_id();
  u.tick = 7;
  u.process = geology::erosion_update{
      geology::cap_field{centre, radius_m, depth_m, geology::profile::cosine}};
  return u;
}

// A point on Vancouver Island's hills, inside the topobathy DEM.
constexpr geo::lat_lng hills{49.0, -124.5};

// A server in this process on a free loopback port.
struct server_fixture {
  explicit server_fixture(std::string token = "", bool create = true,
                          std::function<void(config::config&)> tune = {}) {
    actors::register_types(cfg);
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
    settings.gateway.token = std::move(token);
    settings.subscribe.interval_ms = 10;
    if (tune)
      tune(settings);
    auto s = coordinator::server::start(*system, settings, dir.path(), "127.0.0.1:0");
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    server = std::move(*s);
    if (create) {
      auto c = connect();
      auto made = c->create(world_spec(), generator_record());
      EXPECT_TRUE(made.ok()) << made.error().to_string();
    }
  }
  ~server_fixture() {
    server.reset();
    system.reset();
  }

  client::options options() const {
    client::options o;
    o.endpoint = server->address();
    o.token = settings.gateway.token;
    o.timeout = 30s;
    o.backoff = 20ms;
    return o;
  }
  std::unique_ptr<client::connection> connect() const {
    auto c = client::connection::open(options());
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return c ? std::move(*c) : nullptr;
  }
  // The server still answers a new client.
  void expect_up() const {
    auto c = client::connection::open(options());
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    auto info = (*c)->info();
    ASSERT_TRUE(info.ok()) << info.error().to_string();
    auto v = (*c)->voxel({hills.lat_deg, hills.lng_deg, 0});
    EXPECT_TRUE(v.ok()) << v.error().to_string();
  }

  base::temp_dir dir{"rpc"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  config::config settings;
  std::unique_ptr<coordinator::server> server;
};

TEST(rpc, a_server_without_a_world_serves_info_and_create_only) {
  server_fixture f("", false);
  auto c = f.connect();
  auto info = c->info();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->has_world);
  EXPECT_EQ(info->version, "0.1.0");
  EXPECT_EQ(info->limits.batch_updates_max, 1024u);
  auto v = c->voxel({hills.lat_deg, hills.lng_deg, 0});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, base::errc::not_found);
  EXPECT_NE(v.error().message.find("strata import"), std::string::npos) << v.error().message;

  auto made = c->create(world_spec(), generator_record());
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  EXPECT_TRUE(made->has_world);
  EXPECT_EQ(made->world, world_spec());
  EXPECT_EQ(made->generator, generator_record());
  // The same world again (a retried import) is fine; another one is refused.
  EXPECT_TRUE(c->create(world_spec(), generator_record()).ok());
  geo::world_spec other = world_spec();
  other.dz_m = 5;
  auto refused = c->create(other, generator_record());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::invalid_argument);
  auto bad = c->create(world_spec(), "not a generator record");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, base::errc::parse_error);
  EXPECT_TRUE(c->voxel({hills.lat_deg, hills.lng_deg, 0}).ok());
}

TEST(rpc, applied_updates_are_acknowledged_durable_and_answered_duplicate_when_retried) {
  auto updates = workload(30);
  {
    server_fixture f;
    auto c = f.connect();
    auto acks = c->apply(updates);
    ASSERT_TRUE(acks.ok()) << acks.error().to_string();
    ASSERT_EQ(acks->size(), updates.size());
    std::uint64_t voxels = 0;
    for (std::size_t n = 0; n < updates.size(); ++n) {
      const client::ack& a = (*acks)[n];
      EXPECT_EQ(a.id, updates[n].id);
      EXPECT_EQ(a.state, client::ack::status::applied)
          << n << ": " << (a.failure ? a.failure->to_string() : "");
      EXPECT_GT(a.regions_applied, 0u);
      voxels += a.voxels_changed;
    }
    EXPECT_GT(voxels, 0u);
    // A retry of the whole batch changes nothing.
    auto again = c->apply(updates);
    ASSERT_TRUE(again.ok());
    for (const client::ack& a : *again) {
      EXPECT_EQ(a.state, client::ack::status::duplicate);
      EXPECT_EQ(a.voxels_changed, 0u);
    }
    auto stats = c->stats();
    ASSERT_TRUE(stats.ok()) << stats.error().to_string();
    // Counted per region: an update over two regions counts twice.
    EXPECT_GE(stats->updates_applied, updates.size());
    EXPECT_EQ(stats->updates_failed, 0u);
    EXPECT_GT(stats->chunks, 0u);
    EXPECT_FALSE(stats->codecs.empty());
    // Restarting the server (same data directory) keeps every update.
    base::temp_dir keep{"rpc-keep"};
    std::filesystem::copy(f.dir.path(), keep.path(), std::filesystem::copy_options::recursive);
    client::options o = f.options();
    f.server.reset();
    auto again_server =
        coordinator::server::start(*f.system, f.settings, keep.path(), "127.0.0.1:0");
    ASSERT_TRUE(again_server.ok()) << again_server.error().to_string();
    o.endpoint = (*again_server)->address();
    auto c2 = client::connection::open(o);
    ASSERT_TRUE(c2.ok());
    auto after = (*c2)->apply(updates);
    ASSERT_TRUE(after.ok());
    for (const client::ack& a : *after)
      EXPECT_EQ(a.state, client::ack::status::duplicate);
  }
}

TEST(rpc, an_erosion_is_visible_to_queries_and_region_stats) {
  server_fixture f;
  auto c = f.connect();
  const auto before = c->column(hills);
  ASSERT_TRUE(before.ok()) << before.error().to_string();
  ASSERT_FALSE(before->layers.empty());
  EXPECT_EQ(before->layers.front().material_name, "air");
  const double surface = before->layers.front().bottom_m;
  const geology::update u = erosion_at(hills, 2000, 50);
  auto acks = c->apply(std::span(&u, 1));
  ASSERT_TRUE(acks.ok());
  ASSERT_EQ(acks->front().state, client::ack::status::applied);
  EXPECT_FALSE(acks->front().removed.empty());
  const auto after = c->column(hills);
  ASSERT_TRUE(after.ok());
  EXPECT_LE(after->layers.front().bottom_m, surface - 40) << "the surface fell by the erosion";
  EXPECT_EQ(after->tick, 7u);
  // The air where the ground was is flagged eroded.
  auto v = c->voxel({hills.lat_deg, hills.lng_deg, surface - 5});
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(v->material_name, "air");
  EXPECT_EQ(v->tick, 7u);
  EXPECT_NE(v->history, 0);
  // Its region counts one update.
  auto g = geo::grid::make(world_spec());
  auto located = g->locate({hills.lat_deg, hills.lng_deg, 0});
  auto r = c->region(g->region_of(*located).id());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->updates, 1u);
  EXPECT_EQ(r->tick, 7u);
  EXPECT_EQ(r->node, 1u);
  auto map = c->map();
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(map->ranges.size(), 1u);
  EXPECT_EQ(map->ranges[0].epoch, r->epoch);
  // A region id that is not a region is refused by name.
  auto bad = c->region(12345);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, base::errc::out_of_range);
}

TEST(rpc, a_streaming_push_acknowledges_every_update_once) {
  server_fixture f;
  auto c = f.connect();
  auto updates = workload(120);
  std::set<std::string> acked;
  std::size_t applied = 0;
  auto pushed = c->push(
      updates,
      [&](const client::ack& a) {
        EXPECT_TRUE(acked.insert(client::to_hex(a.id)).second) << "acknowledged twice";
        applied += a.state == client::ack::status::applied;
      },
      16);
  ASSERT_TRUE(pushed.ok()) << pushed.error().to_string();
  EXPECT_EQ(acked.size(), updates.size());
  EXPECT_EQ(applied, updates.size());
}

TEST(rpc, a_stream_delivers_the_area_nearest_first_and_every_chunk_decodes) {
  server_fixture f;
  auto c = f.connect();
  auto u = erosion_at(hills, 3000, 40);
  ASSERT_TRUE(c->apply(std::span(&u, 1)).ok());
  auto info = c->info();
  auto decoder = client::chunk_decoder::make(*info);
  ASSERT_TRUE(decoder.ok()) << decoder.error().to_string();
  client::stream_request request;
  request.centre = hills;
  request.radius_m = 30000;
  std::uint64_t got = 0, stored = 0, baseline = 0, solid = 0;
  std::set<std::tuple<std::uint64_t, int, std::uint64_t>> seen;
  compression::chunk chunk;
  auto stats = c->stream(request, [&](std::vector<client::streamed_chunk>& batch) {
    for (const client::streamed_chunk& sc : batch) {
      ++got;
      stored += sc.source == client::chunk_source::stored;
      baseline += sc.source == client::chunk_source::baseline;
      EXPECT_TRUE(seen.insert({sc.key.region, sc.key.lod, sc.key.morton}).second)
          << "a chunk sent twice";
      auto ok = (*decoder)->decode(sc, chunk);
      ASSERT_TRUE(ok.ok()) << ok.error().to_string();
      for (std::uint8_t m : chunk.material)
        solid += m > 1;
    }
  });
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  EXPECT_EQ(stats->chunks, got);
  EXPECT_GT(got, 100u);
  EXPECT_GT(stored, 0u) << "the eroded chunks come as stored";
  EXPECT_GT(baseline, 0u) << "untouched chunks come as baseline markers";
  EXPECT_GT(solid, 0u);
  EXPECT_GT(stats->client_first_chunk_ms, 0);
  EXPECT_LE(stats->client_first_chunk_ms, stats->client_total_ms);

  // Past the radius limit: refused at once, naming the limit.
  request.radius_m = 1e7;
  auto refused = c->stream(request, [](auto&) {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, base::errc::limit_exceeded);
  EXPECT_NE(refused.error().message.find("stream.radius_m_max"), std::string::npos)
      << refused.error().message;
  request.radius_m = 1000;
  request.velocity_east_mps = std::nan("");
  auto nan = c->stream(request, [](auto&) {});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error().code, base::errc::invalid_argument);
  EXPECT_NE(nan.error().message.find("velocityEastMps"), std::string::npos);
}

TEST(rpc, a_subscriber_sees_the_changes_of_another_client) {
  server_fixture f;
  auto watcher = f.connect();
  std::set<std::uint64_t> regions;
  std::uint64_t changed = 0;
  auto feed = watcher->subscribe(hills, 5000, [&](std::vector<client::streamed_chunk>& batch) {
    for (const client::streamed_chunk& sc : batch) {
      ++changed;
      regions.insert(sc.key.region);
      EXPECT_EQ(sc.tick, 7u);
    }
  });
  ASSERT_TRUE(feed.ok()) << feed.error().to_string();
  std::thread writer([&] {
    auto c = f.connect();
    auto u = erosion_at(hills, 2000, 30);
    auto acks = c->apply(std::span(&u, 1));
    EXPECT_TRUE(acks.ok());
  });
  writer.join();
  for (int n = 0; n < 200 && changed == 0; ++n)
    watcher->poll(10ms);
  EXPECT_GT(changed, 0u);
  EXPECT_EQ((*feed)->chunks(), changed);
  EXPECT_FALSE((*feed)->failure());
}

TEST(rpc, streams_per_client_are_limited) {
  server_fixture f("", true, [](config::config& s) { s.gateway.streams_per_client_max = 3; });
  auto c = f.connect();
  std::vector<std::unique_ptr<client::subscription>> feeds;
  for (int n = 0; n < 3; ++n) {
    auto feed = c->subscribe(hills, 1000, [](auto&) {});
    ASSERT_TRUE(feed.ok()) << feed.error().to_string();
    feeds.push_back(std::move(*feed));
  }
  auto fourth = c->subscribe(hills, 1000, [](auto&) {});
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().code, base::errc::limit_exceeded);
  EXPECT_NE(fourth.error().message.find("gateway.streams_per_client_max"), std::string::npos);
  // Another connection has its own allowance; a cancelled feed frees a place.
  auto other = f.connect();
  EXPECT_TRUE(other->subscribe(hills, 1000, [](auto&) {}).ok());
  feeds.pop_back();
  std::optional<base::result<std::unique_ptr<client::subscription>>> again;
  for (int n = 0; n < 100; ++n) {
    again.emplace(c->subscribe(hills, 1000, [](auto&) {}));
    if (again->ok())
      break;
    c->poll(10ms);
  }
  EXPECT_TRUE(again->ok());
}

TEST(rpc, the_token_is_required_when_the_server_has_one) {
  server_fixture f("s3cret");
  client::options o = f.options();
  o.token = "";
  auto none = client::connection::open(o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, base::errc::unauthenticated);
  o.token = "s3creT";
  auto wrong = client::connection::open(o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, base::errc::unauthenticated);
  EXPECT_NE(wrong.error().message.find("wrong"), std::string::npos);
  o.token = "s3cret";
  auto right = client::connection::open(o);
  ASSERT_TRUE(right.ok()) << right.error().to_string();
  EXPECT_TRUE((*right)->voxel({hills.lat_deg, hills.lng_deg, 0}).ok());
}

TEST(rpc, bad_coordinates_footprints_and_batches_get_clear_errors_and_lose_nothing) {
  server_fixture f("", true, [](config::config& s) { s.gateway.batch_updates_max = 8; });
  auto c = f.connect();
  auto off = c->voxel({95, 0, 0});
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code, base::errc::out_of_range);
  EXPECT_NE(off.error().message.find("latitude"), std::string::npos) << off.error().message;
  auto high = c->voxel({hills.lat_deg, hills.lng_deg, 1e6});
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().code, base::errc::out_of_range);
  auto nan = c->column({std::nan(""), 0});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error().code, base::errc::invalid_argument);

  // A good update between two bad ones: the bad ones fail alone.
  std::vector<geology::update> mixed = {erosion_at(hills, 5e6, 10), erosion_at(hills, 1000, 10),
                                        erosion_at({hills.lat_deg, 400}, 1000, 10)};
  auto acks = c->apply(mixed);
  ASSERT_TRUE(acks.ok()) << acks.error().to_string();
  EXPECT_EQ((*acks)[0].state, client::ack::status::error);
  EXPECT_EQ((*acks)[0].failure->code, base::errc::limit_exceeded) << (*acks)[0].failure->message;
  EXPECT_EQ((*acks)[1].state, client::ack::status::applied);
  EXPECT_EQ((*acks)[2].state, client::ack::status::error);
  EXPECT_EQ((*acks)[2].failure->code, base::errc::out_of_range) << (*acks)[2].failure->message;

  // A batch past gateway.batch_updates_max is split by the client; sent raw, it is refused.
  auto many = workload(20);
  auto split = c->apply(many);
  ASSERT_TRUE(split.ok()) << split.error().to_string();
  EXPECT_EQ(split->size(), many.size());
  // Raw, on a thread of its own (this one's event loop belongs to the client library).
  std::thread raw([&] {
    auto io = kj::setupAsyncIo();
    auto addr = io.provider->getNetwork().parseAddress(f.server->address()).wait(io.waitScope);
    auto stream = addr->connect().wait(io.waitScope);
    capnp::TwoPartyClient rpc(*stream);
    auto gate = rpc.bootstrap().castAs<schema::Gate>();
    auto open = gate.openRequest();
    open.setToken("");
    auto strata = open.send().getStrata();
    auto apply = strata.applyRequest();
    auto list = apply.initBatch().initUpdates(9);
    for (unsigned n = 0; n < 9; ++n)
      geology::to_capnp(many[n], list[n]);
    KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { apply.send().wait(io.waitScope); })) {
      EXPECT_NE(std::string(e->getDescription().cStr()).find("gateway.batch_updates_max 8"),
                std::string::npos)
          << e->getDescription().cStr();
    } else {
      ADD_FAILURE() << "a batch of 9 past a limit of 8 was accepted";
    }
  });
  raw.join();
  f.expect_up();
}

// Bytes that are not Cap'n Proto, a message larger than the limit, and a connection cut in the
// middle of a message: each costs only its own connection.
TEST(rpc, malformed_and_oversized_messages_cost_only_their_connection) {
  server_fixture f("", true, [](config::config& s) { s.gateway.message_bytes_max = 1 << 20; });
  auto c = f.connect();
  const auto [host, port_text] = [&] {
    const std::string a = f.server->address();
    return std::pair{a.substr(0, a.rfind(':')), a.substr(a.rfind(':') + 1)};
  }();
  auto send_raw = [&, port = std::stoi(port_text)](const std::string& bytes, bool wait_close) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        break;  // the server closed the connection early: fine
      sent += static_cast<std::size_t>(n);
    }
    if (wait_close) {
      // The server answers with an abort (or just closes); either way the connection ends.
      timeval limit{10, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      char buffer[4096];
      ssize_t n;
      do {
        n = ::recv(fd, buffer, sizeof buffer, 0);
      } while (n > 0);
      EXPECT_EQ(n, 0) << "the server did not close a malformed connection";
    }
    ::close(fd);
  };
  std::mt19937 random(base::test_seed("rpc.malformed"));
  std::string garbage(4096, '\0');
  for (char& ch : garbage)
    ch = static_cast<char>(random());
  send_raw(garbage, true);
  // A segment table claiming 1 GiB.
  std::string huge_header = std::string("\0\0\0\0", 4) + std::string("\0\0\0\x08", 4);
  send_raw(huge_header, true);
  // A well-formed message larger than gateway.message_bytes_max.
  {
    capnp::MallocMessageBuilder message;
    auto text = message.initRoot<schema::Error>().initMessage(2 << 20);
    std::fill(text.begin(), text.end(), 'x');
    auto words = capnp::messageToFlatArray(message);
    send_raw(std::string(words.asChars().begin(), words.asChars().size()), true);
  }
  // Half a message, then the connection drops.
  send_raw(garbage.substr(0, 3), false);
  // The server and the connection opened before all this still work.
  auto v = c->voxel({hills.lat_deg, hills.lng_deg, 0});
  EXPECT_TRUE(v.ok()) << v.error().to_string();
  f.expect_up();
  for (int n = 0; n < 100 && f.server->gateway().connections() > 1; ++n)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.server->gateway().connections(), 1u) << "only the first client's stays open";
}

// A client that stops reading mid-stream and then disappears: the server holds at most the
// stream window for it, stops the stream when it goes, and keeps serving others.
TEST(rpc, a_client_that_vanishes_mid_stream_costs_nothing_after_it_goes) {
  server_fixture f("", true, [](config::config& s) {
    s.stream.window_chunks = 64;
    s.stream.batch_chunks = 16;
  });
  // Every actor of the server is running once it has answered a read: the node spawns its
  // readers and its mover when it first runs, which may be after the world's creation returns.
  f.expect_up();
  const std::size_t actors_before = f.system->registry().running();
  std::atomic<bool> got_one{false};
  std::thread vanishing([&] {
    auto io = kj::setupAsyncIo();
    auto addr = io.provider->getNetwork().parseAddress(f.server->address()).wait(io.waitScope);
    auto stream = addr->connect().wait(io.waitScope);
    auto rpc = kj::heap<capnp::TwoPartyClient>(*stream);
    auto gate = rpc->bootstrap().castAs<schema::Gate>();
    auto open = gate.openRequest();
    open.setToken("");
    auto strata = open.send().getStrata();
    // A sink that never finishes taking its first batch.
    struct stuck_sink final : schema::ChunkSink::Server {
      std::atomic<bool>* got;
      explicit stuck_sink(std::atomic<bool>* g) : got(g) {}
      kj::Promise<void> chunks(ChunksContext) override {
        *got = true;
        return kj::NEVER_DONE;
      }
    };
    auto request = strata.streamRequest();
    request.initRequest().initCentre().setLatDeg(hills.lat_deg);
    request.getRequest().getCentre().setLngDeg(hills.lng_deg);
    request.getRequest().setRadiusM(100000);
    request.setSink(kj::heap<stuck_sink>(&got_one));
    auto started = request.send().wait(io.waitScope);
    EXPECT_FALSE(started.hasError());
    auto handle = started.getHandle();
    for (int n = 0; n < 500 && !got_one; ++n)
      io.provider->getTimer().afterDelay(10 * kj::MILLISECONDS).wait(io.waitScope);
    // Gone without a word: the socket closes with the process's objects.
  });
  vanishing.join();
  EXPECT_TRUE(got_one);
  f.expect_up();
  // The stream's actors (its streamer and the gateway's sink) stop once the client is gone.
  std::size_t running = f.system->registry().running();
  for (int n = 0; n < 300 && (running > actors_before || f.server->gateway().connections() > 0);
       ++n) {
    std::this_thread::sleep_for(10ms);
    running = f.system->registry().running();
  }
  EXPECT_LE(running, actors_before);
  EXPECT_EQ(f.server->gateway().connections(), 0u);
}

// The server as a child process, killed with SIGKILL in the middle of a streaming push and
// started again on the same data directory and port: the client's retries finish the push, and
// every update acknowledged before or after the kill is present exactly once.
TEST(rpc, a_server_killed_during_a_push_loses_no_acknowledged_update) {
  base::temp_dir dir{"rpc-kill"};
  // A free port, used by both lives of the server.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&at), sizeof at), 0);
  socklen_t size = sizeof at;
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&at), &size);
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(at.sin_port));
  ::close(probe);

  auto start = [&]() -> pid_t {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::freopen("/dev/null", "w", stdout);
      ::execl(STRATA_BINARY, STRATA_BINARY, "serve", "--data", dir.path().c_str(), "--listen",
              endpoint.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  };
  pid_t server = start();
  client::options o;
  o.endpoint = endpoint;
  o.retries = 40;
  o.backoff = 50ms;
  o.timeout = 20s;
  std::unique_ptr<client::connection> c;
  for (int n = 0; n < 200 && !c; ++n) {
    auto opened = client::connection::open(o);
    if (opened)
      c = std::move(*opened);
    else
      std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(c) << "the server did not start";
  ASSERT_TRUE(c->create(world_spec(), generator_record()).ok());

  auto updates = workload(240);
  std::set<std::string> acked;
  std::size_t before_kill = 0;
  std::thread restarter;
  auto pushed = c->push(
      updates,
      [&](const client::ack& a) {
        EXPECT_NE(a.state, client::ack::status::error) << a.failure->to_string();
        acked.insert(client::to_hex(a.id));
        if (acked.size() == 60 && server > 0) {
          before_kill = acked.size();
          ::kill(server, SIGKILL);
          ::waitpid(server, nullptr, 0);
          server = -1;
          restarter = std::thread([&] {
            std::this_thread::sleep_for(200ms);
            server = start();
          });
        }
      },
      8);
  if (restarter.joinable())
    restarter.join();
  ASSERT_TRUE(pushed.ok()) << pushed.error().to_string();
  EXPECT_EQ(before_kill, 60u);
  EXPECT_EQ(acked.size(), updates.size());
  // Everything acknowledged is there: sent again, each is a duplicate.
  auto again = c->apply(updates);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  for (const client::ack& a : *again)
    EXPECT_EQ(a.state, client::ack::status::duplicate) << client::to_hex(a.id);
  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a clean stop on SIGTERM";
}

}  // namespace
}  // namespace strata
