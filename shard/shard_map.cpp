#include "shard/shard_map.hpp"

#include <algorithm>

#include "compression/bytes.hpp"
#include "shard/lmdb.hpp"

namespace strata::shard {

namespace {

constexpr std::uint8_t format_version = 1;
constexpr std::uint64_t ranges_max = std::uint64_t{1} << 20;

std::string describe(const shard_range& r) {
  return "range [" + std::to_string(r.first) + ", " + std::to_string(r.last) + "]";
}

}  // namespace

const shard_range* shard_map::find(std::uint64_t region) const {
  auto after =
      std::upper_bound(ranges.begin(), ranges.end(), region,
                       [](std::uint64_t id, const shard_range& r) { return id < r.first; });
  if (after == ranges.begin())
    return nullptr;
  const shard_range& candidate = *(after - 1);
  return region <= candidate.last ? &candidate : nullptr;
}

base::status validate(const shard_map& map) {
  for (std::size_t n = 0; n < map.ranges.size(); ++n) {
    const shard_range& r = map.ranges[n];
    if (r.first > r.last)
      return base::fail(base::errc::invalid_argument,
                        "shard map: " + describe(r) + " ends before it begins");
    if (n > 0 && map.ranges[n - 1].last >= r.first)
      return base::fail(
          base::errc::invalid_argument,
          "shard map: " + describe(r) + " overlaps or precedes " + describe(map.ranges[n - 1]));
  }
  return {};
}

base::status assign(shard_map& map, std::uint64_t first, std::uint64_t last, node_id node) {
  if (first > last)
    return base::fail(base::errc::invalid_argument, "assign: first " + std::to_string(first) +
                                                        " exceeds last " + std::to_string(last));
  const std::uint64_t epoch = map.version + 1;
  std::vector<shard_range> out;
  out.reserve(map.ranges.size() + 2);
  for (const shard_range& r : map.ranges) {
    if (r.last < first || r.first > last) {
      out.push_back(r);
      continue;
    }
    // The parts of r outside [first, last] keep their owner; a split is a change of the range,
    // so they take the new epoch too (a request routed by the old, wider range is stale).
    if (r.first < first)
      out.push_back({r.first, first - 1, r.node, epoch});
    if (r.last > last)
      out.push_back({last + 1, r.last, r.node, epoch});
  }
  out.push_back({first, last, node, epoch});
  std::sort(out.begin(), out.end(),
            [](const shard_range& a, const shard_range& b) { return a.first < b.first; });
  map.ranges = std::move(out);
  map.version = epoch;
  return validate(map);
}

std::string serialize(const shard_map& map) {
  std::string out;
  compression::byte_writer w(out);
  w.u8(format_version);
  w.u64(map.version);
  w.varint(map.ranges.size());
  for (const shard_range& r : map.ranges) {
    w.u64(r.first);
    w.u64(r.last);
    w.u64(r.node);
    w.u64(r.epoch);
  }
  return out;
}

base::result<shard_map> parse_shard_map(std::string_view bytes) {
  compression::byte_reader r(bytes);
  std::uint8_t version = 0;
  if (!r.u8(version))
    return base::fail(base::errc::parse_error, "shard map: empty");
  if (version != format_version)
    return base::fail(base::errc::unsupported_version,
                      "shard map format " + std::to_string(version) + "; this build reads " +
                          std::to_string(format_version));
  shard_map map;
  std::uint64_t count = 0;
  if (!r.u64(map.version) || !r.varint(count))
    return base::fail(base::errc::parse_error, "shard map: truncated header");
  if (count > ranges_max)
    return base::fail(
        base::errc::parse_error,
        "shard map: " + std::to_string(count) + " ranges; at most " + std::to_string(ranges_max));
  map.ranges.resize(count);
  for (shard_range& range : map.ranges)
    if (!r.u64(range.first) || !r.u64(range.last) || !r.u64(range.node) || !r.u64(range.epoch))
      return base::fail(base::errc::parse_error, "shard map: truncated range");
  if (!r.at_end())
    return base::fail(base::errc::parse_error, "shard map: trailing bytes");
  if (auto valid = validate(map); !valid)
    return valid.error();
  return map;
}

struct map_store::impl {
  lmdb::environment env;
  lmdb::database maps;
};

map_store::map_store(std::unique_ptr<impl> self) : self_(std::move(self)) {}
map_store::~map_store() = default;

base::result<std::unique_ptr<map_store>> map_store::open(const std::string& directory) {
  lmdb::environment_options options;
  options.directory = directory;
  options.map_bytes = std::uint64_t{16} << 20;  // 2^20 ranges of 32 bytes, twice over
  options.map_bytes_max = std::uint64_t{1} << 30;
  auto env = lmdb::environment::open(options);
  if (!env)
    return env.error();
  auto self = std::make_unique<impl>(impl{std::move(*env), {}});
  auto txn = lmdb::transaction::begin(self->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  auto db = txn->open("shard_map");
  if (!db)
    return db.error();
  self->maps = *db;
  if (auto committed = txn->commit(); !committed)
    return committed.error();
  return std::unique_ptr<map_store>(new map_store(std::move(self)));
}

base::result<std::optional<shard_map>> map_store::load() {
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto bytes = txn->get(self_->maps, "map");
  if (!bytes)
    return bytes.error();
  if (!*bytes)
    return std::optional<shard_map>{};
  auto map = parse_shard_map(**bytes);
  if (!map)
    return base::fail(base::errc::corrupt_data, "the stored shard map: " + map.error().message);
  return std::optional<shard_map>{std::move(*map)};
}

base::status map_store::save(const shard_map& map) {
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  if (auto put = txn->put(self_->maps, "map", serialize(map)); !put)
    return put.error();
  return txn->commit();
}

base::result<std::optional<std::pair<std::string, std::string>>> map_store::load_world() {
  using out = std::optional<std::pair<std::string, std::string>>;
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::read);
  if (!txn)
    return txn.error();
  auto spec = txn->get(self_->maps, "world.spec");
  if (!spec)
    return spec.error();
  auto generator = txn->get(self_->maps, "world.generator");
  if (!generator)
    return generator.error();
  if (!*spec || !*generator)
    return out{};
  return out{std::pair{std::string(**spec), std::string(**generator)}};
}

base::status map_store::save_world(std::string_view spec, std::string_view generator) {
  auto txn = lmdb::transaction::begin(self_->env, lmdb::transaction::mode::write);
  if (!txn)
    return txn.error();
  if (auto put = txn->put(self_->maps, "world.spec", spec); !put)
    return put.error();
  if (auto put = txn->put(self_->maps, "world.generator", generator); !put)
    return put.error();
  return txn->commit();
}

}  // namespace strata::shard
