#include "config/config.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

extern char** environ;

namespace strata::config {

namespace {

enum class kind : std::uint8_t { integer, number, text, choice };

// One configuration key. `apply` stores a converted value; `show` reads it back for to_file().
struct key_spec {
  const char* name;
  kind type;
  const char* default_value;
  const char* doc;
  double min = 0;
  double max = 0;
  std::vector<std::string> choices = {};
  std::function<void(config&, const std::string&, double)> apply;
  std::function<std::string(const config&)> show;
};

std::string number_text(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* level_names[] = {"debug", "info", "warn", "error"};

// An unsigned integer key stored in `field` of `section`.
template <class Section>
key_spec unsigned_key(const char* name, const char* default_value, const char* doc, double min,
                      double max, Section config::*section, std::uint64_t Section::*field) {
  return {name,
          kind::integer,
          default_value,
          doc,
          min,
          max,
          {},
          [section, field](config& c, const std::string&, double v) {
            c.*section.*field = static_cast<std::uint64_t>(v);
          },
          [section, field](const config& c) { return std::to_string(c.*section.*field); }};
}

// A text key of the cluster section.
key_spec cluster_text_key(const char* name, const char* doc, std::string cluster_config::*field) {
  return {name,
          kind::text,
          "",
          doc,
          0,
          0,
          {},
          [field](config& c, const std::string& s, double) { c.cluster.*field = s; },
          [field](const config& c) { return quoted(c.cluster.*field); }};
}

// The table of every key. Bounds say where they come from.
const std::vector<key_spec>& table() {
  static const std::vector<key_spec> specs = {
      {"world.name",
       kind::text,
       "earth",
       "A name for people; at most 64 bytes.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.world.name = s; },
       [](const config& c) { return quoted(c.world.name); }},
      {"world.voxel_level",
       kind::integer,
       "20",
       "S2 level of a voxel column: 15 is about 240 m, 20 about 7.5 m, 25 about 0.25 m.",
       0,
       30,
       {},
       [](config& c, const std::string&, double v) { c.world.voxel_level = static_cast<int>(v); },
       [](const config& c) { return std::to_string(c.world.voxel_level); }},
      {"world.region_level",
       kind::integer,
       "12",
       "S2 level of a region, the unit of ownership; 5 to 26 levels above voxel_level.",
       0,
       25,
       {},
       [](config& c, const std::string&, double v) { c.world.region_level = static_cast<int>(v); },
       [](const config& c) { return std::to_string(c.world.region_level); }},
      {"world.dz_m",
       kind::number,
       "2",
       "Voxel height in metres.",
       1e-6,
       1e6,
       {},
       [](config& c, const std::string&, double v) { c.world.dz_m = v; },
       [](const config& c) { return number_text(c.world.dz_m); }},
      {"world.z_min_m",
       kind::number,
       "-11000",
       "Altitude of the world's floor in metres (the Mariana Trench is at -10994 m).",
       -1e7,
       1e7,
       {},
       [](config& c, const std::string&, double v) { c.world.z_min_m = v; },
       [](const config& c) { return number_text(c.world.z_min_m); }},
      {"world.z_max_m",
       kind::number,
       "9000",
       "Altitude of the world's ceiling in metres (Everest is 8849 m).",
       -1e7,
       1e7,
       {},
       [](config& c, const std::string&, double v) { c.world.z_max_m = v; },
       [](const config& c) { return number_text(c.world.z_max_m); }},
      {"node.data_dir",
       kind::text,
       "strata-data",
       "Directory of the node's LMDB environment; created when missing.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.data_dir = s; },
       [](const config& c) { return quoted(c.data_dir); }},
      {"node.listen",
       kind::text,
       "127.0.0.1:7400",
       "host:port the node serves clients on; port 0 picks a free port.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.listen = s; },
       [](const config& c) { return quoted(c.listen); }},
      {"log.level",
       kind::choice,
       "info",
       "Least severe log line written: debug, info, warn, error.",
       0,
       0,
       {"debug", "info", "warn", "error"},
       [](config& c, const std::string&, double v) { c.log = static_cast<log_level>(v); },
       [](const config& c) { return quoted(level_names[static_cast<int>(c.log)]); }},
      {"limits.cover_regions_max",
       kind::integer,
       "1000000",
       "Most regions one covering may list. A covering is held in memory at 8 bytes a region, so "
       "the default bounds it to 8 MB; the upper bound keeps it under 1 GB.",
       1,
       1.25e8,
       {},
       [](config& c, const std::string&, double v) {
         c.cover_regions_max = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.cover_regions_max); }},
      {"storage.map_bytes",
       kind::integer,
       "67108864",
       "Initial size of the LMDB map; it doubles when full, up to map_bytes_max. 64 MiB holds a "
       "fresh world, which stores almost nothing.",
       1048576.0,
       70368744177664.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.map_bytes = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.map_bytes); }},
      {"storage.map_bytes_max",
       kind::integer,
       "1099511627776",
       "Largest LMDB map; past it writes fail with io_error. LMDB reserves address space, not "
       "disk, so 1 TiB costs nothing until used.",
       1048576.0,
       70368744177664.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.map_bytes_max = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.map_bytes_max); }},
      {"storage.cache_bytes",
       kind::integer,
       "268435456",
       "Decoded-chunk cache budget: 64 KiB per chunk, so the default holds about 4000 chunks.",
       0.0,
       1099511627776.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.cache_bytes = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.cache_bytes); }},
      {"storage.applied_window",
       kind::integer,
       "1000000",
       "Update ids remembered for exactly-once; a retry arriving after this many later updates is "
       "applied again. 24 bytes each on disk.",
       1.0,
       1000000000.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.applied_window = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.applied_window); }},
      {"storage.batch_updates_max",
       kind::integer,
       "1024",
       "Most updates in one group commit.",
       1.0,
       65536.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.batch_updates_max = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.batch_updates_max); }},
      {"storage.batch_bytes_max",
       kind::integer,
       "8388608",
       "Most bytes of updates in one group commit.",
       4096.0,
       1073741824.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.batch_bytes_max = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.batch_bytes_max); }},
      {"storage.batch_delay_us",
       kind::integer,
       "1000",
       "How long a commit's first update waits for others, in microseconds: the most an idle "
       "update is delayed.",
       0.0,
       1000000.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.batch_delay_us = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.batch_delay_us); }},
      {"storage.queue_updates_max",
       kind::integer,
       "65536",
       "Updates waiting for a commit at most; past it, writes are refused as overloaded.",
       1.0,
       10000000.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.queue_updates_max = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.queue_updates_max); }},
      {"storage.recompress_slice_chunks",
       kind::integer,
       "16",
       "Dirty chunks recompressed per transaction: writers wait at most one slice.",
       1.0,
       4096.0,
       {},
       [](config& c, const std::string&, double v) {
         c.storage.recompress_slice_chunks = static_cast<std::uint64_t>(v);
       },
       [](const config& c) { return std::to_string(c.storage.recompress_slice_chunks); }},
      unsigned_key("storage.lod_max", "8",
                   "LOD levels kept above 0 for each region, up to what a region's width allows "
                   "(log2 of its columns per edge over 32).",
                   0, 20, &config::storage, &storage_config::lod_max),
      unsigned_key("actors.region_idle_ms", "60000",
                   "A region actor idle this long (ms) with nothing in flight and no subscriber "
                   "is passivated; the next message for its region spawns it again.",
                   1, 86400000, &config::actors, &actors_config::region_idle_ms),
      unsigned_key("actors.region_mailbox_max", "4096",
                   "Updates queued or in flight for one region at most; past it, writers get "
                   "overloaded.",
                   1, 1048576, &config::actors, &actors_config::region_mailbox_max),
      unsigned_key("actors.reader_threads", "2",
                   "Threads that read chunks for streams and queries, off the actor scheduler.", 1,
                   256, &config::actors, &actors_config::reader_threads),
      unsigned_key("actors.request_timeout_ms", "10000",
                   "How long an actor waits for another's reply before failing the request as "
                   "unavailable. The gateway waits three times as long for a client's request: "
                   "the router asks again once after a reply that timed out.",
                   1, 3600000, &config::actors, &actors_config::request_timeout_ms),
      unsigned_key("actors.route_retries_max", "5",
                   "Times the router refreshes the shard map and retries a part refused for a "
                   "stale epoch.",
                   0, 100, &config::actors, &actors_config::route_retries_max),
      unsigned_key("stream.batch_chunks", "256", "Chunks in one message of a stream.", 1, 4096,
                   &config::stream, &stream_config::batch_chunks),
      unsigned_key("stream.window_chunks", "4096",
                   "Chunks a stream sends ahead of its consumer's acknowledgements at most: what "
                   "a slow consumer can make the server hold.",
                   1, 1048576, &config::stream, &stream_config::window_chunks),
      unsigned_key("stream.chunks_max", "250000",
                   "Chunks one stream may plan; a larger area is refused as limit_exceeded.", 1,
                   100000000, &config::stream, &stream_config::chunks_max),
      unsigned_key("stream.radius_m_max", "200000", "Largest stream radius in metres.", 1, 20000000,
                   &config::stream, &stream_config::radius_m_max),
      unsigned_key("stream.prediction_ms", "5000",
                   "How far ahead a stream predicts the viewer's position from its velocity (ms).",
                   0, 600000, &config::stream, &stream_config::prediction_ms),
      unsigned_key("subscribe.buffer_chunks", "4096",
                   "Changed chunks waiting for one subscriber at most; past it, the subscriber is "
                   "told to resynchronise and its buffer is dropped.",
                   1, 16777216, &config::subscribe, &subscribe_config::buffer_chunks),
      unsigned_key("subscribe.interval_ms", "100",
                   "Least time between two deliveries to one subscriber (ms); changes in between "
                   "are coalesced, newest version wins.",
                   0, 3600000, &config::subscribe, &subscribe_config::interval_ms),
      {"gateway.token",
       kind::text,
       "",
       "Bearer token clients must present; none when empty. Prefer the environment variable to a "
       "file others can read.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.gateway.token = s; },
       [](const config& c) { return quoted(c.gateway.token); }},
      unsigned_key("gateway.message_bytes_max", "67108864",
                   "Largest RPC message a client may send, in bytes (an import carries its DEM).",
                   4096, 1073741824, &config::gateway, &gateway_config::message_bytes_max),
      unsigned_key("gateway.batch_updates_max", "1024",
                   "Most updates in one apply call or push write.", 1, 1048576, &config::gateway,
                   &gateway_config::batch_updates_max),
      unsigned_key("gateway.streams_per_client_max", "16",
                   "Streams and change feeds one client connection may run at once.", 1, 65536,
                   &config::gateway, &gateway_config::streams_per_client_max),
      unsigned_key("gateway.push_updates_in_flight", "256",
                   "Updates of a streaming push applied concurrently before the server holds the "
                   "client back.",
                   1, 65536, &config::gateway, &gateway_config::push_updates_in_flight),
      {"cluster.listen",
       kind::text,
       "",
       "host:port this process accepts other cluster processes on; the coordinator's is what "
       "nodes join. Empty: 127.0.0.1:7500 for a coordinator, a free port for a node.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.cluster.listen = s; },
       [](const config& c) { return quoted(c.cluster.listen); }},
      cluster_text_key("cluster.advertise",
                       "The host other nodes reach this node's cluster port at. Empty: the host "
                       "of cluster.listen, or this machine's hostname when that is 0.0.0.0 or ::.",
                       &cluster_config::advertise),
      {"cluster.join",
       kind::text,
       "",
       "host:port of the coordinator a node joins.",
       0,
       0,
       {},
       [](config& c, const std::string& s, double) { c.cluster.join = s; },
       [](const config& c) { return quoted(c.cluster.join); }},
      unsigned_key("cluster.node_id", "0",
                   "This node's id; 0 takes the one saved in the data directory, or makes and "
                   "saves one.",
                   0, 9007199254740991.0, &config::cluster, &cluster_config::node_id),
      unsigned_key("cluster.join_timeout_ms", "30000",
                   "How long a node keeps trying to reach the coordinator when it starts (ms).", 0,
                   3600000, &config::cluster, &cluster_config::join_timeout_ms),
      unsigned_key("cluster.heartbeat_ms", "1000",
                   "Heartbeats between connected cluster processes, and from each node to the "
                   "coordinator, renewing its lease (ms); 0 turns CAF's off.",
                   0, 3600000, &config::cluster, &cluster_config::heartbeat_ms),
      unsigned_key("cluster.lease_ms", "6000",
                   "A node's lease: the coordinator marks a node unavailable when it has not "
                   "heard from it for this long, and a node stops accepting writes a quarter "
                   "sooner, counted from the heartbeat the coordinator last answered (ms).",
                   100, 3600000, &config::cluster, &cluster_config::lease_ms),
      unsigned_key("cluster.moves_max", "2", "Range moves in progress at once, at most.", 1, 64,
                   &config::cluster, &cluster_config::moves_max),
      unsigned_key("cluster.rebalance_ms", "500",
                   "How often the coordinator checks leases and plans moves (ms).", 10, 3600000,
                   &config::cluster, &cluster_config::rebalance_ms),
      unsigned_key("cluster.imbalance_percent", "50",
                   "A node whose load (updates and reads per second) is this much above the "
                   "nodes' mean is imbalanced.",
                   1, 10000, &config::cluster, &cluster_config::imbalance_percent),
      unsigned_key("cluster.imbalance_hold_ms", "10000",
                   "How long an imbalance must last before a range moves because of it (ms).", 0,
                   86400000, &config::cluster, &cluster_config::imbalance_hold_ms),
      unsigned_key("cluster.load_halflife_ms", "30000",
                   "Half-life of the coordinator's memory of load (ms).", 100, 86400000,
                   &config::cluster, &cluster_config::load_halflife_ms),
      unsigned_key("cluster.load_floor_per_s", "5",
                   "Load differences below this many operations per second never move a range.", 0,
                   1e9, &config::cluster, &cluster_config::load_floor_per_s),
      unsigned_key("cluster.merge_after_ms", "600000",
                   "Neighbouring ranges of one node merge once both have been cold (below "
                   "load_floor_per_s) for this long (ms); 0 never merges.",
                   0, 86400000 * 30.0, &config::cluster, &cluster_config::merge_after_ms),
      unsigned_key("cluster.move_timeout_ms", "120000",
                   "How long a range move may take before it is abandoned (ms).", 100, 86400000,
                   &config::cluster, &cluster_config::move_timeout_ms),
      unsigned_key("cluster.drain_timeout_ms", "120000",
                   "How long a node stopped by SIGTERM waits for its ranges to be handed off "
                   "before it exits anyway (ms).",
                   0, 86400000, &config::cluster, &cluster_config::drain_timeout_ms),
      unsigned_key("cluster.tls", "0",
                   "1: cluster connections use TLS (CAF's OpenSSL module) with the files below; "
                   "every process of a cluster must agree.",
                   0, 1, &config::cluster, &cluster_config::tls),
      cluster_text_key("cluster.tls_certificate", "This process's certificate (PEM file).",
                       &cluster_config::tls_certificate),
      cluster_text_key("cluster.tls_key", "The certificate's private key (PEM file).",
                       &cluster_config::tls_key),
      cluster_text_key("cluster.tls_ca", "The CA certificate peers' certificates must chain to.",
                       &cluster_config::tls_ca),
  };
  return specs;
}

const key_spec* find_key(const std::string& name) {
  for (const key_spec& spec : table())
    if (name == spec.name)
      return &spec;
  return nullptr;
}

std::string environment_name(const std::string& key) {
  std::string name = "STRATA_";
  for (char c : key)
    name += c == '.' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

base::error invalid(const std::string& key, const std::string& origin, const std::string& why) {
  return base::fail(base::errc::invalid_config, key + " (" + origin + "): " + why);
}

// A raw value and where it came from, for error messages.
struct setting {
  std::string text;
  std::string origin;
};

// Converts `raw` to the key's type and stores it.
base::status apply(const key_spec& spec, const setting& raw, config& into) {
  const std::string& text = raw.text;
  switch (spec.type) {
    case kind::text:
      spec.apply(into, text, 0);
      return {};
    case kind::choice:
      for (std::size_t n = 0; n < spec.choices.size(); ++n) {
        if (text == spec.choices[n]) {
          spec.apply(into, text, static_cast<double>(n));
          return {};
        }
      }
      {
        std::string allowed;
        for (const std::string& choice : spec.choices)
          allowed += (allowed.empty() ? "" : ", ") + choice;
        return invalid(spec.name, raw.origin, "\"" + text + "\" is not one of " + allowed);
      }
    case kind::integer:
    case kind::number: {
      std::string digits;
      for (char c : text)
        if (c != '_')
          digits += c;  // TOML allows 1_000_000
      double value = 0;
      const char* first = digits.data();
      const char* last = first + digits.size();
      if (!digits.empty() && *first == '+')
        ++first;
      std::from_chars_result parsed{};
      if (spec.type == kind::integer) {
        long long whole = 0;
        parsed = std::from_chars(first, last, whole);
        value = static_cast<double>(whole);
      } else {
        parsed = std::from_chars(first, last, value);
      }
      if (digits.empty() || parsed.ec != std::errc() || parsed.ptr != last)
        return invalid(
            spec.name, raw.origin,
            "\"" + text + "\" is not " + (spec.type == kind::integer ? "an integer" : "a number"));
      if (!std::isfinite(value) || value < spec.min || value > spec.max)
        return invalid(
            spec.name, raw.origin,
            text + " is outside " + number_text(spec.min) + ".." + number_text(spec.max));
      spec.apply(into, text, value);
      return {};
    }
  }
  return {};
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// Reads one TOML value: a "string" with \" and \\ escapes, or a bare token up to a comment.
base::result<std::string> parse_value(const std::string& rest, const std::string& where) {
  const std::string value = trim(rest);
  if (value.empty())
    return base::fail(base::errc::parse_error, where + ": a value is missing");
  if (value[0] == '"') {
    std::string out;
    std::size_t n = 1;
    for (; n < value.size() && value[n] != '"'; ++n) {
      if (value[n] == '\\') {
        if (++n == value.size())
          break;
        if (value[n] != '"' && value[n] != '\\')
          return base::fail(base::errc::parse_error,
                            where + ": only \\\" and \\\\ escapes are supported");
      }
      out += value[n];
    }
    if (n >= value.size())
      return base::fail(base::errc::parse_error, where + ": unterminated string");
    const std::string after = trim(value.substr(n + 1));
    if (!after.empty() && after[0] != '#')
      return base::fail(base::errc::parse_error, where + ": text after the string: " + after);
    return out;
  }
  std::string token = trim(value.substr(0, value.find('#')));
  if (token.find_first_of(" \t") != std::string::npos)
    return base::fail(base::errc::parse_error,
                      where + ": \"" + token + "\" has spaces; quote strings");
  return token;
}

base::status read_file(const std::string& path, std::map<std::string, setting>& into) {
  std::ifstream in(path);
  if (!in) {
    const int why = errno;
    return base::fail(why == ENOENT ? base::errc::not_found : base::errc::io_error,
                      "cannot read config file " + path + ": " + std::strerror(why));
  }
  std::string line, section;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#')
      continue;
    if (text[0] == '[') {
      const auto close = text.find(']');
      const std::string after = close == std::string::npos ? "" : trim(text.substr(close + 1));
      if (close == std::string::npos || (!after.empty() && after[0] != '#'))
        return base::fail(base::errc::parse_error, where + ": a section is [name]");
      section = trim(text.substr(1, close - 1));
      continue;
    }
    const auto equals = text.find('=');
    if (equals == std::string::npos)
      return base::fail(base::errc::parse_error, where + ": expected key = value");
    const std::string name = trim(text.substr(0, equals));
    const std::string key = section.empty() ? name : section + "." + name;
    if (!find_key(key))
      return base::fail(base::errc::invalid_config, key + " (" + where + "): unknown key");
    auto value = parse_value(text.substr(equals + 1), where);
    if (!value)
      return value.error();
    into[key] = {*value, where};
  }
  if (in.bad())
    return base::fail(base::errc::io_error, "error reading config file " + path);
  return {};
}

}  // namespace

base::result<config> load(const sources& from) {
  std::map<std::string, setting> settings;
  for (const key_spec& spec : table())
    settings[spec.name] = {spec.default_value, "default"};
  if (from.file && !from.file->empty()) {
    if (auto read = read_file(*from.file, settings); !read)
      return read.error();
  }
  for (const key_spec& spec : table()) {
    const std::string variable = environment_name(spec.name);
    if (auto found = from.environment.find(variable); found != from.environment.end())
      settings[spec.name] = {found->second, "environment " + variable};
  }
  for (const auto& [key, value] : from.flags) {
    if (!find_key(key))
      return invalid(key, "flag", "unknown key");
    settings[key] = {value, "flag"};
  }
  config result;
  for (const key_spec& spec : table()) {
    if (auto applied = apply(spec, settings[spec.name], result); !applied)
      return applied.error();
  }
  if (auto valid = geo::validate(result.world); !valid)
    return base::fail(base::errc::invalid_config, "world." + valid.error().message);
  if (result.storage.map_bytes > result.storage.map_bytes_max)
    return base::fail(base::errc::invalid_config, "storage.map_bytes " +
                                                      std::to_string(result.storage.map_bytes) +
                                                      " exceeds storage.map_bytes_max " +
                                                      std::to_string(result.storage.map_bytes_max));
  return result;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text = *entry;
    if (text.rfind("STRATA_", 0) != 0)
      continue;
    const auto equals = text.find('=');
    if (equals != std::string::npos)
      variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return variables;
}

namespace {

std::string render(const std::function<std::string(const key_spec&)>& value_of, bool with_docs) {
  std::ostringstream out;
  std::string section;
  for (const key_spec& spec : table()) {
    const std::string name = spec.name;
    const std::string key_section = name.substr(0, name.find('.'));
    if (key_section != section) {
      if (!section.empty())
        out << "\n";
      out << "[" << key_section << "]\n";
      section = key_section;
    }
    if (with_docs)
      out << "# " << spec.doc << " (" << environment_name(name) << ")\n";
    out << name.substr(name.find('.') + 1) << " = " << value_of(spec) << "\n";
  }
  return out.str();
}

}  // namespace

std::string defaults_file() {
  return "# strata configuration: every key at its default (docs/config.md).\n"
         "# Precedence: defaults < this file < STRATA_* environment variables < flags.\n\n" +
         render(
             [](const key_spec& spec) {
               return spec.type == kind::text || spec.type == kind::choice
                          ? quoted(spec.default_value)
                          : std::string(spec.default_value);
             },
             true);
}

std::string to_file(const config& effective) {
  return render([&effective](const key_spec& spec) { return spec.show(effective); }, false);
}

std::vector<key_doc> keys() {
  std::vector<key_doc> docs;
  for (const key_spec& spec : table()) {
    static const char* type_names[] = {"integer", "number", "string", "choice"};
    docs.push_back({spec.name, type_names[static_cast<int>(spec.type)], spec.default_value,
                    environment_name(spec.name), spec.doc});
  }
  return docs;
}

}  // namespace strata::config
