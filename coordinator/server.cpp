#include "coordinator/server.hpp"

#include "actors/errors.hpp"
#include "actors/routing.hpp"
#include "coordinator/cluster.hpp"
#include "geology/world_file.hpp"
#include "shard/world.hpp"

namespace strata::coordinator {

base::result<std::unique_ptr<server>> server::start(caf::actor_system& system,
                                                    const config::config& settings,
                                                    const std::string& data_dir,
                                                    const std::string& listen) {
  std::unique_ptr<server> s(new server(system, settings, data_dir));
  auto existing = embedded::start(system, settings, data_dir);
  if (existing) {
    if (auto running = s->run(std::move(*existing), {}); !running)
      return running.error();
  } else if (existing.error().code != base::errc::not_found) {
    return existing.error();
  }
  auto g = actors::gateway::start(system, *s, settings, listen);
  if (!g)
    return g.error();
  s->gateway_ = std::move(*g);
  return s;
}

server::~server() {
  if (gateway_)
    gateway_->stop();
  std::lock_guard guard(lock_);
  target_.reset();
  runtime_.reset();
}

embedded* server::runtime() {
  std::lock_guard guard(lock_);
  return runtime_.get();
}

std::shared_ptr<const actors::gateway_target> server::target() const {
  std::lock_guard guard(lock_);
  return target_;
}

// Serves a started runtime. Called with the lock held, or before the gateway starts.
base::status server::run(std::unique_ptr<embedded> e, std::string generator) {
  if (generator.empty())
    generator = geology::serialize(e->world().record);
  auto target = make_target(e->router(), e->shard_map(), e->world(), std::move(generator));
  runtime_ = std::move(e);
  target_ = std::move(target);
  return {};
}

base::status server::create(const geo::world_spec& spec, const std::string& generator) {
  auto record = geology::parse_generator_record(generator);
  if (!record)
    return record.error();
  std::lock_guard guard(lock_);
  if (runtime_) {
    // The same world again (a retried import) is not an error; another one is.
    if (target_->spec == spec && target_->generator == geology::serialize(*record))
      return {};
    return base::fail(base::errc::invalid_argument,
                      "the server already has the world \"" + target_->spec.name +
                          "\"; start it with another --data directory for another world");
  }
  config::config settings = settings_;
  settings.world = spec;
  auto started = embedded::start(system_, settings, data_dir_, [&](shard::store& store) {
    return shard::import_world(store, spec, *record);
  });
  if (!started)
    return started.error();
  return run(std::move(*started), geology::serialize(*record));
}

base::result<actors::server_stats> server::stats() {
  // Once set, the runtime lives until the destructor, which stops the gateway (and waits for
  // this call) first: the scan below runs without the lock.
  embedded* running = runtime();
  if (!running)
    return base::fail(base::errc::not_found, "the server has no world yet");
  return stats_of(system_, settings_, running->store(), running->node());
}

}  // namespace strata::coordinator
