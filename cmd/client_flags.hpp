// The flags every client subcommand shares: where the server is and its token.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "cmd/flags.hpp"

namespace strata::cmd {

struct client_flags {
  std::string endpoint = "127.0.0.1:7400";
  std::string token;
  double timeout_s = 60;

  void add_to(flag_parser& flags) {
    if (const char* from_env = std::getenv("STRATA_GATEWAY_TOKEN"))
      token = from_env;
    flags.add_text("endpoint", "HOST:PORT", "the server's address (default 127.0.0.1:7400)",
                   &endpoint);
    flags.add_text("token", "TOKEN", "the server's bearer token (or STRATA_GATEWAY_TOKEN)", &token);
    flags.add_number("timeout", "SECONDS", "how long one call may take (default 60)", &timeout_s);
  }

  base::result<std::unique_ptr<client::connection>> open() const {
    client::options o;
    o.endpoint = endpoint;
    o.token = token;
    o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
    return client::connection::open(o);
  }
};

}  // namespace strata::cmd
