#include "coordinator/cluster.hpp"

#include "coordinator/shard_map.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "actors/errors.hpp"
#include "actors/routing.hpp"
#include "coordinator/tls_errors.hpp"
#include "geology/world_file.hpp"
#include "shard/world.hpp"

namespace strata::coordinator {

namespace {

// The node id saved in the data directory, or a new one saved there. Ids fit in 53 bits, so
// config files and JSON carry them exactly.
base::result<shard::node_id> saved_node_id(const std::string& data_dir) {
  const std::string path = data_dir + "/node-id";
  if (std::ifstream in(path); in) {
    std::uint64_t id = 0;
    if (in >> id && id > 0)
      return id;
    return base::fail(base::errc::corrupt_data, path + " does not hold a node id");
  }
  std::mt19937_64 random(std::random_device{}());
  const shard::node_id id = random() % ((std::uint64_t{1} << 53) - 1) + 1;
  const std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << id << "\n";
    out.flush();
    if (!out)
      return base::fail(base::errc::io_error, "cannot write " + temporary);
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec)
    return base::fail(base::errc::io_error, "cannot write " + path + ": " + ec.message());
  return id;
}

// -- the transport ------------------------------------------------------------------------------

// How long one attempt to reach another cluster process may take. A peer that accepts the TCP
// connection but never answers (a process without TLS, when this one has it, or the other way
// round) fails the attempt instead of hanging it.
constexpr std::chrono::seconds attempt_timeout{5};

// The actor that opens ports and connections: CAF's middleman, or (cluster.tls=1) the OpenSSL
// module's, whose every connection is TLS with peers' certificates checked.
caf::io::middleman_actor transport(caf::actor_system& system) {
  return system.has_openssl_manager() ? system.openssl_manager().actor_handle()
                                      : system.middleman().actor_handle();
}

// Accepts cluster connections on host:port, with `whom` published there (or nothing). The port
// bound.
caf::expected<std::uint16_t> listen_on(caf::actor_system& system, const std::string& host,
                                       std::uint16_t port, caf::strong_actor_ptr whom = nullptr,
                                       std::set<std::string> signature = {}) {
  auto call = caf::make_function_view(transport(system), caf::duration{attempt_timeout});
  if (!whom)
    return call(caf::open_atom::value, port, host, true);
  return call(caf::publish_atom::value, port, std::move(whom), std::move(signature), host, true);
}

// The actor of type Handle published at host:port, connecting to its process.
template <class Handle>
caf::expected<Handle> reach(caf::actor_system& system, const std::string& host,
                            std::uint16_t port) {
  auto call = caf::make_function_view(transport(system), caf::duration{attempt_timeout});
  auto answer = call(caf::connect_atom::value, host, port);
  if (!answer)
    return std::move(answer.error());
  caf::strong_actor_ptr& published = std::get<1>(*answer);
  if (!published)
    return caf::make_error(caf::sec::no_actor_published_at_port, port);
  if (!system.assignable<Handle>(std::get<2>(*answer)))
    return caf::make_error(caf::sec::unexpected_actor_messaging_interface);
  return caf::actor_cast<Handle>(std::move(published));
}

// Why an attempt to reach a cluster process failed, with the likeliest cause of a timeout.
std::string why_unreachable(caf::actor_system& system, const caf::error& e) {
  std::string text = system.render(e);
  if (e == caf::sec::request_timeout)
    text += " (the process did not answer within " + std::to_string(attempt_timeout.count()) +
            " s; every process of a cluster needs the same cluster.tls)";
  else if (e == caf::sec::cannot_connect_to_node)
    text +=
        " (nothing listens there, or the other side closed the connection at once: every "
        "process of a cluster needs the same cluster.tls and, with TLS, a certificate signed by "
        "the CA in the others' cluster.tls_ca)";
  else if (e == caf::sec::disconnect_during_handshake)
    text +=
        " (the other side closed the connection: every process of a cluster needs the "
        "same cluster.tls and, with TLS, a certificate signed by the CA in the others' "
        "cluster.tls_ca)";
  return text;
}

// The text of OpenSSL's last error, clearing its queue.
std::string openssl_error() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// Loads the TLS files as CAF's OpenSSL module will and checks this process's certificate against
// the CA, so that a bad file stops the process at start with a clear error, not at its first
// connection (CAF aborts there).
base::status check_tls_files(const config::cluster_config& c) {
  std::string missing;
  for (const auto& [key, value] :
       {std::pair{"cluster.tls_certificate", &c.tls_certificate},
        std::pair{"cluster.tls_key", &c.tls_key}, std::pair{"cluster.tls_ca", &c.tls_ca}})
    if (value->empty())
      missing += std::string(missing.empty() ? "" : ", ") + key;
  if (!missing.empty())
    return base::fail(base::errc::invalid_config,
                      "cluster.tls=1 needs a certificate, its key and the cluster's CA (PEM "
                      "files); missing: " +
                          missing);
  const auto bad = [](const std::string& what, const std::string& path, const std::string& why) {
    return base::fail(base::errc::invalid_config, what + " " + path + ": " + why);
  };
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_method()),
                                                            SSL_CTX_free);
  if (!context)
    return base::fail(base::errc::invalid_config, "OpenSSL: " + openssl_error());
  // An encrypted key would make OpenSSL prompt for its passphrase: refuse it instead.
  SSL_CTX_set_default_passwd_cb(context.get(), [](char*, int, int, void*) { return 0; });
  // The key first: a certificate loaded after a key that is not its own drops the key, and the
  // check below names the mismatch.
  if (SSL_CTX_use_PrivateKey_file(context.get(), c.tls_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return bad("cluster.tls_key", c.tls_key,
               openssl_error() + " (the key must be PEM and not encrypted)");
  if (SSL_CTX_use_certificate_chain_file(context.get(), c.tls_certificate.c_str()) != 1)
    return bad("cluster.tls_certificate", c.tls_certificate, openssl_error());
  if (SSL_CTX_check_private_key(context.get()) != 1)
    return bad("cluster.tls_key", c.tls_key,
               "it is not the key of " + c.tls_certificate + ": " + openssl_error());
  if (SSL_CTX_load_verify_locations(context.get(), c.tls_ca.c_str(), nullptr) != 1)
    return bad("cluster.tls_ca", c.tls_ca, openssl_error());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(context.get(), &chain);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> check(X509_STORE_CTX_new(),
                                                                        X509_STORE_CTX_free);
  if (!check || X509_STORE_CTX_init(check.get(), SSL_CTX_get_cert_store(context.get()),
                                    SSL_CTX_get0_certificate(context.get()), chain) != 1)
    return base::fail(base::errc::invalid_config, "OpenSSL: " + openssl_error());
  if (X509_verify_cert(check.get()) != 1)
    return bad("cluster.tls_certificate", c.tls_certificate,
               std::string("peers would refuse it: ") +
                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(check.get())) +
                   " (checked against cluster.tls_ca " + c.tls_ca + ")");
  return {};
}

// The host:port other nodes reach this node's cluster port at.
std::string advertised(const config::cluster_config& c, const std::string& listen_host,
                       std::uint16_t port) {
  std::string host = c.advertise;
  if (host.empty())
    host = listen_host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  return host + ":" + std::to_string(port);
}

// -- direct connections between nodes ------------------------------------------------------------

using dial_atom = caf::atom_constant<caf::atom("dial")>;

struct dialer_state {
  static inline const char* name = "strata.peer_dialer";
  // Peers whose last dial failed, so that a failure is logged once, not every round.
  std::set<shard::node_id> failing;
};

// Keeps a direct connection between this node and every other node that is up, through the
// transport, so that their traffic does not pass through the coordinator and goes on while it is
// away. Until the first dial, CAF routes through the coordinator, which introduced the peers.
// Of two nodes, the one with the smaller id dials, so that two nodes never open two connections
// to each other that CAF then has to reconcile by closing one.
// (With TLS, CAF's own automatic connections are off: they would open plain TCP connections.)
caf::behavior peer_dialer(caf::stateful_actor<dialer_state>* self, actors::shard_map_actor map,
                          shard::node_id id) {
  constexpr std::chrono::milliseconds every{500};
  self->send(self, dial_atom::value);
  return {
      [self, map, id, every](dial_atom) {
        self->delayed_send(self, every, dial_atom::value);
        self->request(map, every, actors::map_atom::value)
            .then(
                [self, id](const actors::map_view& view) {
                  const auto mm = transport(self->system());
                  for (const actors::node_entry& peer : view.nodes) {
                    if (peer.id <= id || peer.state == "unavailable" || !peer.handle)
                      continue;
                    auto where = split_host_port(peer.address);
                    if (!where)
                      continue;
                    const shard::node_id peer_id = peer.id;
                    const std::string address = peer.address;
                    self->request(mm, attempt_timeout, caf::get_atom::value, peer.handle.node())
                        .then(
                            [self, mm, peer_id, address, where = *where](
                                const caf::node_id&, const std::string&, std::uint16_t direct) {
                              if (direct != 0)
                                return;
                              self->request(mm, attempt_timeout, caf::connect_atom::value,
                                            where.first, where.second)
                                  .then(
                                      [self, peer_id](const caf::node_id&,
                                                      const caf::strong_actor_ptr&,
                                                      const std::set<std::string>&) {
                                        self->state.failing.erase(peer_id);
                                      },
                                      [self, peer_id, address](caf::error& e) {
                                        if (self->state.failing.insert(peer_id).second)
                                          std::fprintf(
                                              stderr,
                                              "strata: cannot connect to node %llu at %s (%s); "
                                              "its traffic goes through the coordinator\n",
                                              static_cast<unsigned long long>(peer_id),
                                              address.c_str(),
                                              why_unreachable(self->system(), e).c_str());
                                      });
                            },
                            [](caf::error&) {});
                  }
                },
                [](caf::error&) {});
      },
  };
}

// -- the link to the coordinator --------------------------------------------------------------

using connect_atom = caf::atom_constant<caf::atom("connect")>;

struct link_state {
  static inline const char* name = "strata.coordinator_link";
  caf::actor upstream;
  caf::actor connector;
  shard::node_id id = 0;
};

// Reaches the coordinator at host:port, retrying every 250 ms, and sends the link its handle.
caf::behavior connector(caf::event_based_actor* self, caf::actor link, std::string host,
                        std::uint16_t port) {
  self->send(self, connect_atom::value);
  return {
      [self, link, host, port](connect_atom) {
        auto map = reach<actors::shard_map_actor>(self->system(), host, port);
        if (map) {
          self->send(link, connect_atom::value, caf::actor_cast<caf::actor>(*map));
          self->quit();
          return;
        }
        self->delayed_send(self, std::chrono::milliseconds(250), connect_atom::value);
      },
  };
}

// Forwards a request to the coordinator, or answers errc::unavailable while it is unreachable.
template <class... Ts>
caf::result<caf::message> forward(caf::stateful_actor<link_state>* self, Ts&&... xs) {
  if (!self->state.upstream)
    return actors::to_caf(base::errc::unavailable, "the coordinator is unreachable; node " +
                                                       std::to_string(self->state.id) +
                                                       " keeps trying to reach it");
  auto promise = self->make_response_promise();
  promise.delegate(self->state.upstream, std::forward<Ts>(xs)...);
  return promise;
}

// The node's side of the coordinator: every local actor talks to the shard map through it. When
// the connection drops (the coordinator restarted or moved), it reconnects in the background and
// requests meanwhile fail at once as unavailable; the node's next heartbeat joins again and
// subscribes its actors to the map again.
caf::behavior coordinator_link(caf::stateful_actor<link_state>* self, caf::actor upstream,
                               shard::node_id id, std::string host, std::uint16_t port) {
  self->state.upstream = upstream;
  self->state.id = id;
  self->monitor(upstream);
  self->set_down_handler([self, host, port](const caf::down_msg& down) {
    link_state& st = self->state;
    if (!st.upstream || down.source != st.upstream.address())
      return;
    std::fprintf(stderr, "strata node %llu: lost the coordinator (%s); reconnecting\n",
                 static_cast<unsigned long long>(st.id), caf::to_string(down.reason).c_str());
    st.upstream = nullptr;
    if (!st.connector)
      st.connector = self->spawn<caf::detached + caf::linked>(
          connector, caf::actor_cast<caf::actor>(self), host, port);
  });
  using namespace actors;
  return {
      [self](connect_atom, caf::actor& upstream) {
        link_state& st = self->state;
        st.connector = nullptr;
        st.upstream = upstream;
        self->monitor(upstream);
        std::fprintf(stderr, "strata node %llu: reached the coordinator again\n",
                     static_cast<unsigned long long>(st.id));
      },
      [self](map_atom a) { return forward(self, a); },
      [self](lookup_atom a, std::uint64_t r) { return forward(self, a, r); },
      [self](join_atom a, shard::node_id n, caf::actor& h) { return forward(self, a, n, h); },
      [self](assign_atom a, std::uint64_t f, std::uint64_t l, shard::node_id n) {
        return forward(self, a, f, l, n);
      },
      [self](subscribe_atom a, caf::actor& s) {
        if (self->state.upstream)
          self->send(self->state.upstream, a, s);
      },
      [self](world_atom a) { return forward(self, a); },
      [self](world_atom a, world_record& w) { return forward(self, a, std::move(w)); },
      [self](renew_atom a, shard::node_id n, node_report& r) {
        return forward(self, a, n, std::move(r));
      },
      [self](drain_atom a, shard::node_id n) { return forward(self, a, n); },
      [self](move_atom a, std::uint64_t f, std::uint64_t l, shard::node_id n) {
        return forward(self, a, f, l, n);
      },
      [self](settle_atom a, std::uint64_t f, shard::node_id n) { return forward(self, a, f, n); },
  };
}

}  // namespace

base::status configure_network(caf::actor_system_config& cfg, const config::config& settings) {
  if (settings.cluster.tls != 0) {
    if (auto ok = check_tls_files(settings.cluster); !ok)
      return ok;
    if (!tls_error_queue_emptied())
      return base::fail(base::errc::invalid_config,
                        "cluster.tls=1: this binary does not define the TLS calls that empty "
                        "OpenSSL's error queue (coordinator/tls_errors.hpp); without them one "
                        "failed connection closes others");
  }
  cfg.load<caf::io::middleman>();
  // Nodes dial each other themselves (peer_dialer), through the transport. CAF's automatic
  // connections would open plain TCP connections: on without TLS only, where they have kept the
  // node-to-node proxies alive through coordinator outages more reliably than the dials alone.
  cfg.set("middleman.enable-automatic-connections", settings.cluster.tls == 0);
  if (settings.cluster.heartbeat_ms > 0) {
    const auto interval = std::chrono::milliseconds(settings.cluster.heartbeat_ms);
    cfg.set("middleman.heartbeat-interval", caf::timespan{interval});
    // A peer silent for three heartbeats, and for half a lease at least, is gone. A busy machine
    // delays heartbeats by far more than their interval, and dropping a connection loses the
    // requests in flight on it; the lease, not the connection, decides who owns a range.
    const auto silent = std::max<std::chrono::milliseconds>(
        3 * interval, std::chrono::milliseconds(settings.cluster.lease_ms / 2));
    cfg.set("middleman.connection-timeout", caf::timespan{silent});
  }
  if (settings.cluster.tls != 0) {
    cfg.load<caf::openssl::manager>();
    cfg.openssl_certificate = settings.cluster.tls_certificate;
    cfg.openssl_key = settings.cluster.tls_key;
    cfg.openssl_cafile = settings.cluster.tls_ca;
  }
  return {};
}

base::result<std::pair<std::string, std::uint16_t>> split_host_port(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  char* end = nullptr;
  const unsigned long port =
      colon == std::string::npos ? 70000 : std::strtoul(endpoint.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || end == endpoint.c_str() + colon + 1 ||
      *end != '\0' || port > 65535)
    return base::fail(base::errc::invalid_argument,
                      "\"" + endpoint + "\" is not host:port (e.g. 127.0.0.1:7500)");
  return std::pair{endpoint.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::shared_ptr<const actors::gateway_target> make_target(const actors::router_actor& router,
                                                          const actors::shard_map_actor& map,
                                                          const shard::world& world,
                                                          std::string generator) {
  auto target = std::make_shared<actors::gateway_target>();
  target->router = router;
  target->shard_map = map;
  target->spec = world.grid.spec();
  target->generator = std::move(generator);
  return target;
}

base::result<actors::server_stats> stats_of(caf::actor_system& system,
                                            const config::config& settings, shard::store& store,
                                            const actors::node_actor& node) {
  actors::server_stats out;
  auto census = store.take_census();
  if (!census)
    return census.error();
  out.census = std::move(*census);
  out.counters = store.counters();
  out.disk_bytes = store.stored_bytes();
  auto node_stats = ask<actors::node_stats>(system, settings, node, actors::stats_atom::value);
  if (!node_stats)
    return node_stats.error();
  out.regions_active = node_stats->regions_active;
  return out;
}

// -- the coordinator ----------------------------------------------------------------------------

base::status check_transport(caf::actor_system& system, const config::config& settings) {
  if (!system.has_middleman())
    return base::fail(base::errc::invalid_config,
                      "this process has no network layer: configure_network was not called");
  if ((settings.cluster.tls != 0) != system.has_openssl_manager())
    return base::fail(base::errc::invalid_config,
                      "cluster.tls=" + std::to_string(settings.cluster.tls) +
                          ", but the process's network layer was configured for the other");
  return {};
}

base::result<std::unique_ptr<coordinator_process>> coordinator_process::start(
    caf::actor_system& system, const config::config& settings, const std::string& data_dir) {
  if (auto ok = check_transport(system, settings); !ok)
    return ok.error();
  std::unique_ptr<coordinator_process> c(new coordinator_process(system));
  auto where =
      split_host_port(settings.cluster.listen.empty() ? "127.0.0.1:7500" : settings.cluster.listen);
  if (!where)
    return where.error();
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/coordinator", ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + data_dir + ": " + ec.message());
  auto file = shard::map_store::open(data_dir + "/coordinator");
  if (!file)
    return file.error();
  c->file_ = std::move(*file);
  auto map = c->file_->load();
  if (!map)
    return map.error();
  auto world = c->file_->load_world();
  if (!world)
    return world.error();
  actors::world_record record;
  if (*world)
    record = {(*world)->first, (*world)->second};
  // On the scheduler, not detached: see shard_map.hpp.
  c->map_ = system.spawn(coordinator::shard_map, c->file_.get(), map->value_or(shard::shard_map{}),
                         std::move(record), settings.cluster);
  auto port =
      listen_on(system, where->first, where->second,
                caf::actor_cast<caf::strong_actor_ptr>(c->map_), system.message_types(c->map_));
  if (!port)
    return base::fail(base::errc::io_error, "cannot listen for nodes on " + where->first + ":" +
                                                std::to_string(where->second) + ": " +
                                                system.render(port.error()));
  c->port_ = *port;
  c->address_ = where->first + ":" + std::to_string(*port);
  return c;
}

coordinator_process::~coordinator_process() {
  // Through the actor that published it: with TLS, CAF's middleman never saw the port.
  if (port_ != 0) {
    caf::scoped_actor self{system_, true};
    self->request(transport(system_), caf::duration{attempt_timeout}, caf::unpublish_atom::value,
                  map_.address(), port_)
        .receive([] {}, [](caf::error&) {});
  }
  stop_actors(system_, {caf::actor_cast<caf::actor>(map_)});
}

// -- a node -------------------------------------------------------------------------------------

base::result<std::unique_ptr<node_process>> node_process::start(caf::actor_system& system,
                                                                const config::config& settings,
                                                                const std::string& data_dir) {
  if (auto ok = check_transport(system, settings); !ok)
    return ok.error();
  std::unique_ptr<node_process> n(new node_process(system, settings, data_dir));
  if (settings.cluster.join.empty())
    return base::fail(base::errc::invalid_argument,
                      "a node needs the coordinator's address: cluster.join (--join HOST:PORT)");
  auto coordinator = split_host_port(settings.cluster.join);
  if (!coordinator)
    return coordinator.error();
  auto listen =
      split_host_port(settings.cluster.listen.empty() ? "127.0.0.1:0" : settings.cluster.listen);
  if (!listen)
    return listen.error();
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return base::fail(base::errc::io_error,
                      "cannot create data directory " + data_dir + ": " + ec.message());
  if (settings.cluster.node_id != 0) {
    n->id_ = settings.cluster.node_id;
  } else {
    auto id = saved_node_id(data_dir);
    if (!id)
      return id.error();
    n->id_ = *id;
  }

  // Other nodes connect here once they learn of this node's actors.
  auto port = listen_on(system, listen->first, listen->second);
  if (!port)
    return base::fail(base::errc::io_error, "cannot listen for other nodes on " + listen->first +
                                                ":" + std::to_string(listen->second) + ": " +
                                                system.render(port.error()));
  n->cluster_address_ = advertised(settings.cluster, listen->first, *port);

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(settings.cluster.join_timeout_ms);
  for (;;) {
    auto map = reach<actors::shard_map_actor>(system, coordinator->first, coordinator->second);
    if (map) {
      n->link_ = system.spawn(coordinator_link, caf::actor_cast<caf::actor>(*map), n->id_,
                              coordinator->first, coordinator->second);
      n->map_ = caf::actor_cast<actors::shard_map_actor>(n->link_);
      n->dialer_ = system.spawn(peer_dialer, n->map_, n->id_);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return base::fail(base::errc::unavailable, "cannot reach the coordinator at " +
                                                     settings.cluster.join + ": " +
                                                     why_unreachable(system, map.error()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  auto world = ask<actors::world_record>(system, settings, n->map_, actors::world_atom::value);
  if (!world)
    return world.error();
  if (!world->empty()) {
    std::lock_guard guard(n->lock_);
    if (auto running = n->run(*world); !running)
      return running.error();
  } else {
    n->waiter_ = std::thread([self = n.get()] { self->wait_for_world(); });
  }
  auto g = actors::gateway::start(system, *n, settings, settings.listen);
  if (!g)
    return g.error();
  n->gateway_ = std::move(*g);
  return n;
}

base::status node_process::drain(std::chrono::milliseconds timeout) {
  if (!runtime())
    return {};
  auto started = ask<actors::map_view>(system_, settings_, map_, actors::drain_atom::value, id_);
  if (!started)
    return started.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto view = ask<actors::map_view>(system_, settings_, map_, actors::map_atom::value);
    if (view && std::none_of(view->map.ranges.begin(), view->map.ranges.end(),
                             [&](const shard::shard_range& r) { return r.node == id_; }))
      return {};
    if (std::chrono::steady_clock::now() >= deadline)
      return base::fail(base::errc::unavailable,
                        "node " + std::to_string(id_) + " still owns ranges after " +
                            std::to_string(timeout.count()) + " ms (cluster.drain_timeout_ms)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

node_process::~node_process() {
  if (gateway_)
    gateway_->stop();
  {
    std::lock_guard guard(lock_);
    stopping_ = true;
  }
  stopping_changed_.notify_all();
  if (waiter_.joinable())
    waiter_.join();
  {
    std::lock_guard guard(lock_);
    target_.reset();
    runtime_.reset();
  }
  stop_actors(system_, {dialer_, link_});
}

node_runtime* node_process::runtime() {
  std::lock_guard guard(lock_);
  return runtime_.get();
}

std::shared_ptr<const actors::gateway_target> node_process::target() const {
  std::lock_guard guard(lock_);
  return target_;
}

base::status node_process::run(const actors::world_record& world) {
  if (runtime_)
    return {};
  auto spec = geo::parse_world_spec(world.spec);
  if (!spec)
    return base::fail(base::errc::corrupt_data,
                      "the coordinator's world spec: " + spec.error().message);
  auto record = geology::parse_generator_record(world.generator);
  if (!record)
    return base::fail(base::errc::corrupt_data,
                      "the coordinator's generator record: " + record.error().message);
  config::config settings = settings_;
  settings.world = *spec;
  // The node reports where its cluster port is reached in its heartbeats.
  settings.cluster.advertise = cluster_address_;
  auto started = node_runtime::start(
      system_, settings, data_dir_ + "/node", id_, map_,
      [&](shard::store& store) { return shard::import_world(store, *spec, *record); });
  if (!started)
    return started.error();
  runtime_ = std::move(*started);
  target_ = make_target(runtime_->router(), map_, runtime_->world(), world.generator);
  return {};
}

void node_process::wait_for_world() {
  std::unique_lock guard(lock_);
  while (!stopping_ && !runtime_) {
    guard.unlock();
    auto world = ask<actors::world_record>(system_, settings_, map_, actors::world_atom::value);
    guard.lock();
    if (world && !world->empty() && !stopping_)
      if (auto running = run(*world); !running)
        std::fprintf(stderr, "strata: node %llu cannot start on the cluster's world: %s\n",
                     static_cast<unsigned long long>(id_), running.error().to_string().c_str());
    stopping_changed_.wait_for(guard, std::chrono::milliseconds(250));
  }
}

base::status node_process::create(const geo::world_spec& spec, const std::string& generator) {
  auto record = geology::parse_generator_record(generator);
  if (!record)
    return record.error();
  actors::world_record world{geo::serialize(spec), geology::serialize(*record)};
  // The coordinator decides: the first world is kept, the same one again is fine, another is
  // refused.
  auto kept = ask<actors::world_record>(system_, settings_, map_, actors::world_atom::value, world);
  if (!kept)
    return kept.error();
  std::lock_guard guard(lock_);
  return run(*kept);
}

base::result<actors::server_stats> node_process::stats() {
  // Once set, the runtime lives until the destructor, which stops the gateway (and waits for
  // this call) first.
  node_runtime* running = runtime();
  if (!running)
    return base::fail(base::errc::not_found, "the cluster has no world yet");
  return stats_of(system_, settings_, running->store(), running->node());
}

}  // namespace strata::coordinator
