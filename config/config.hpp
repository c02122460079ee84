// Configuration: one documented file format, with defaults, environment overrides and flags
// (docs/config.md).
//
// Every key has a name (`world.voxel_level`), a type, a default, bounds and a sentence of
// documentation, all in one table in config.cpp; `strata config defaults` prints that table as a
// commented config file. Values are layered, later layers winning:
//
//   1. the defaults;
//   2. the config file (`--config FILE`), a TOML subset: `[section]` headers, `key = value` lines,
//      `#` comments; values are integers, numbers, "strings" or true/false;
//   3. environment variables: STRATA_ + the key in upper case with '.' as '_', e.g.
//      STRATA_WORLD_VOXEL_LEVEL=18. Variables with no matching key are ignored, because the
//      environment is shared with other programs;
//   4. flags: `--set key=value`, and the commands' own flags that stand for keys.
//
// A bad value is refused with errc::invalid_config and a message that names the key, the layer it
// came from (file and line, variable or flag) and the reason. An unknown key in the file or in a
// flag is refused the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "geo/world_spec.hpp"

namespace strata::config {

enum class log_level : std::uint8_t { debug, info, warn, error };

/// Region storage and its write path (docs/storage.md).
struct storage_config {
  std::uint64_t map_bytes = std::uint64_t{64} << 20;
  std::uint64_t map_bytes_max = std::uint64_t{1} << 40;
  std::uint64_t cache_bytes = std::uint64_t{256} << 20;
  std::uint64_t applied_window = 1'000'000;
  std::uint64_t batch_updates_max = 1024;
  std::uint64_t batch_bytes_max = std::uint64_t{8} << 20;
  std::uint64_t batch_delay_us = 1000;
  std::uint64_t queue_updates_max = 65536;
  std::uint64_t recompress_slice_chunks = 16;
  std::uint64_t lod_max = 8;
};

/// The actors of a node (DESIGN.md §5, docs/actors.md).
struct actors_config {
  std::uint64_t region_idle_ms = 60000;
  std::uint64_t region_mailbox_max = 4096;
  std::uint64_t reader_threads = 2;
  std::uint64_t request_timeout_ms = 10000;
  std::uint64_t route_retries_max = 5;
};

/// Streaming reads (docs/actors.md).
struct stream_config {
  std::uint64_t batch_chunks = 256;
  std::uint64_t window_chunks = 4096;
  std::uint64_t chunks_max = 250000;
  std::uint64_t radius_m_max = 200000;
  std::uint64_t prediction_ms = 5000;
};

/// Change feeds (docs/actors.md).
struct subscribe_config {
  std::uint64_t buffer_chunks = 4096;
  std::uint64_t interval_ms = 100;
};

/// The client API's gateway (docs/api.md).
struct gateway_config {
  /// When set, every client must open the gate with it.
  std::string token;
  std::uint64_t message_bytes_max = std::uint64_t{64} << 20;
  std::uint64_t batch_updates_max = 1024;
  std::uint64_t streams_per_client_max = 16;
  std::uint64_t push_updates_in_flight = 256;
};

/// The cluster (docs/operations.md): how a process reaches the others through CAF's network layer.
struct cluster_config {
  /// host:port this process accepts other cluster processes on (the coordinator's is what nodes
  /// join). Empty: 127.0.0.1:7500 for a coordinator, any free port on 127.0.0.1 for a node.
  std::string listen;
  /// The host other nodes reach this node's cluster port at. Empty: the host of listen, or this
  /// machine's hostname when that is a wildcard address.
  std::string advertise;
  /// host:port of the coordinator a node joins.
  std::string join;
  /// This node's id; 0 takes the one saved in the data directory, or makes and saves one.
  std::uint64_t node_id = 0;
  /// How long a node keeps trying to reach the coordinator at start (ms).
  std::uint64_t join_timeout_ms = 30000;
  /// Heartbeats between connected processes and from a node to the coordinator (ms).
  std::uint64_t heartbeat_ms = 1000;
  /// Leases, moves and rebalancing: docs/config.md has each.
  std::uint64_t lease_ms = 6000;
  std::uint64_t moves_max = 2;
  std::uint64_t rebalance_ms = 500;
  std::uint64_t imbalance_percent = 50;
  std::uint64_t imbalance_hold_ms = 10000;
  std::uint64_t load_halflife_ms = 30000;
  std::uint64_t load_floor_per_s = 5;
  std::uint64_t merge_after_ms = 600000;
  std::uint64_t move_timeout_ms = 120000;
  std::uint64_t drain_timeout_ms = 120000;
  /// TLS between cluster processes (0 or 1), and its files.
  std::uint64_t tls = 0;
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
};

struct config {
  geo::world_spec world;
  /// Where a node keeps its LMDB environment.
  std::string data_dir;
  /// host:port the node listens on.
  std::string listen;
  log_level log = log_level::info;
  /// The most regions one covering may return.
  std::uint64_t cover_regions_max = 0;
  storage_config storage;
  actors_config actors;
  stream_config stream;
  subscribe_config subscribe;
  gateway_config gateway;
  cluster_config cluster;
};

/// Where values come from, in increasing precedence.
struct sources {
  /// A config file to read; none when empty.
  std::optional<std::string> file;
  /// Environment variables (name → value); only STRATA_* names are looked at.
  std::map<std::string, std::string> environment;
  /// key → value pairs from flags, applied in order.
  std::vector<std::pair<std::string, std::string>> flags;
};

/// The configuration from the defaults and `from`. Errors: errc::invalid_config (bad or unknown
/// key, bad value, inconsistent world spec), errc::parse_error (a malformed file line, with its
/// number), errc::io_error / errc::not_found (the file cannot be read).
base::result<config> load(const sources& from);

/// This process's environment, as `sources::environment` wants it.
std::map<std::string, std::string> process_environment();

/// A config file holding every key at its default, each with its documentation as comments.
std::string defaults_file();

/// The effective configuration as a config file (what `strata config show` prints).
std::string to_file(const config& effective);

/// Documentation of one key.
struct key_doc {
  std::string name;
  std::string type;
  std::string default_value;
  std::string environment;
  std::string doc;
};
/// Every key, in file order.
std::vector<key_doc> keys();

}  // namespace strata::config
