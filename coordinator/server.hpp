// The embedded server: the actors of coordinator::embedded behind the client API's gateway, in one
// process. It may start with an empty data directory, serving only ServerInfo and create until a
// client creates the world (`strata import`); from then on, and after every restart, it serves the
// world its store holds. This is what `strata serve`, the end-to-end tests, the RPC benchmarks and
// the demo run.
#pragma once

#include <caf/all.hpp>

#include <memory>
#include <mutex>
#include <string>

#include "actors/gateway.hpp"
#include "base/result.hpp"
#include "config/config.hpp"
#include "coordinator/embedded.hpp"

namespace strata::coordinator {

class server final : public actors::gateway_backend {
 public:
  /// Opens `data_dir` (created when missing) and starts the actors when it holds a world, then
  /// listens on `listen` ("host:port", port 0 for any). Errors: the store's and the map file's,
  /// the gateway's (an address that does not parse, a port taken).
  static base::result<std::unique_ptr<server>> start(caf::actor_system& system,
                                                     const config::config& settings,
                                                     const std::string& data_dir,
                                                     const std::string& listen);
  /// Stops the gateway (closing every connection), then the actors and the write path.
  ~server() override;

  /// "host:port" with the port actually bound.
  const std::string& address() const { return gateway_->address(); }
  actors::gateway& gateway() { return *gateway_; }
  /// The running actors; null before the world exists.
  embedded* runtime();

  std::shared_ptr<const actors::gateway_target> target() const override;
  base::status create(const geo::world_spec& spec, const std::string& generator) override;
  base::result<actors::server_stats> stats() override;

 private:
  server(caf::actor_system& system, const config::config& settings, std::string data_dir)
      : system_(system), settings_(settings), data_dir_(std::move(data_dir)) {}
  base::status run(std::unique_ptr<embedded> e, std::string generator);

  caf::actor_system& system_;
  config::config settings_;
  std::string data_dir_;
  // Guards runtime_ and target_; create() holds it while it imports.
  mutable std::mutex lock_;
  std::unique_ptr<embedded> runtime_;
  std::shared_ptr<const actors::gateway_target> target_;
  std::unique_ptr<actors::gateway> gateway_;
};

}  // namespace strata::coordinator
