#include "client/client.hpp"

#include <capnp/message.h>
#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/async.h>

#include <cstdio>
#include <random>
#include <thread>
#include <unordered_map>

#include "compression/format.hpp"
#include "geology/world_file.hpp"
#include "schema/api.capnp.h"
#include "shard/world.hpp"

// GCC 12 reports base::result's variant inside kj's ExceptionOr as maybe-uninitialized when kj
// moves an empty Maybe; kj only reads it after it is set.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace strata::client {

namespace {

// -- errors -------------------------------------------------------------------------------------

base::error from_schema(schema::Error::Reader e) {
  return {static_cast<base::errc>(e.getCode()), e.getMessage().cStr()};
}

// A failed call: the server's "strata error <number> <name>: <message>", or what kj says.
base::error from_exception(const kj::Exception& e) {
  const std::string text = e.getDescription().cStr();
  const auto at = text.find("strata error ");
  if (at != std::string::npos) {
    char* end = nullptr;
    const unsigned long code = std::strtoul(text.c_str() + at + 13, &end, 10);
    const auto colon = text.find(": ", at);
    if (code > 0 && colon != std::string::npos)
      return {static_cast<base::errc>(code), text.substr(colon + 2)};
  }
  switch (e.getType()) {
    case kj::Exception::Type::DISCONNECTED:
      return {base::errc::unavailable, "the connection to the server was lost: " + text};
    case kj::Exception::Type::OVERLOADED:
      return {base::errc::overloaded, text};
    case kj::Exception::Type::UNIMPLEMENTED:
      return {base::errc::unsupported_version, "the server does not implement the call: " + text};
    case kj::Exception::Type::FAILED:
      break;
  }
  return {base::errc::invalid_argument, "the server refused the call: " + text};
}

std::vector<std::size_t> all_indexes(std::size_t count) {
  std::vector<std::size_t> out(count);
  for (std::size_t n = 0; n < count; ++n)
    out[n] = n;
  return out;
}

bool retryable(const base::error& e) {
  return base::kind(e.code) != base::error_kind::fatal;
}

// -- conversions --------------------------------------------------------------------------------

update_id id_of(capnp::Data::Reader bytes) {
  update_id id{};
  if (bytes.size() == id.size())
    std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

std::vector<material_volume> volumes_of(capnp::List<schema::MaterialAmount>::Reader in) {
  std::vector<material_volume> out;
  for (auto v : in)
    out.push_back({v.getMaterial(), v.getVolumeM3()});
  return out;
}

ack ack_of(schema::Ack::Reader in) {
  ack out;
  out.id = id_of(in.getId());
  switch (in.getStatus()) {
    case schema::Ack::Status::APPLIED:
      out.state = ack::status::applied;
      break;
    case schema::Ack::Status::DUPLICATE:
      out.state = ack::status::duplicate;
      break;
    default:
      out.state = ack::status::error;
      out.failure = in.hasError()
                        ? from_schema(in.getError())
                        : base::error{base::errc::invalid_argument, "an error with no detail"};
  }
  out.regions_applied = in.getRegionsApplied();
  out.regions_duplicate = in.getRegionsDuplicate();
  out.chunks_changed = in.getChunksChanged();
  out.voxels_changed = in.getVoxelsChanged();
  out.removed = volumes_of(in.getRemoved());
  out.added = volumes_of(in.getAdded());
  return out;
}

streamed_chunk chunk_of(schema::StreamedChunk::Reader in) {
  streamed_chunk out;
  out.key = {in.getId().getRegion(), in.getId().getLod(), in.getId().getMorton()};
  out.source = static_cast<chunk_source>(in.getSource());
  out.version = in.getVersion();
  out.tick = in.getTick();
  auto data = in.getData();
  out.data = std::string_view(reinterpret_cast<const char*>(data.begin()), data.size());
  if (in.hasError())
    out.failure = from_schema(in.getError());
  return out;
}

geo::world_spec spec_of(schema::WorldSpec::Reader in) {
  geo::world_spec spec;
  spec.name = in.getName().cStr();
  spec.voxel_level = in.getVoxelLevel();
  spec.region_level = in.getRegionLevel();
  spec.dz_m = in.getDzM();
  spec.z_min_m = in.getZMinM();
  spec.z_max_m = in.getZMaxM();
  return spec;
}

void fill_spec(schema::WorldSpec::Builder out, const geo::world_spec& spec) {
  out.setFormatVersion(1);
  out.setName(spec.name);
  out.setVoxelLevel(static_cast<std::uint8_t>(spec.voxel_level));
  out.setRegionLevel(static_cast<std::uint8_t>(spec.region_level));
  out.setDzM(spec.dz_m);
  out.setZMinM(spec.z_min_m);
  out.setZMaxM(spec.z_max_m);
  out.setChunkEdge(geo::chunk_edge);
}

server_info info_of(schema::ServerInfo::Reader in) {
  server_info out;
  out.version = in.getVersion().cStr();
  out.schema_version = in.getSchemaVersion();
  out.has_world = in.getHasWorld();
  if (out.has_world)
    out.world = spec_of(in.getWorld());
  auto generator = in.getGenerator();
  out.generator.assign(reinterpret_cast<const char*>(generator.begin()), generator.size());
  auto l = in.getLimits();
  out.limits = {l.getMessageBytesMax(), l.getBatchUpdatesMax(), l.getStreamRadiusMMax(),
                l.getStreamChunksMax(), l.getStreamsPerClientMax()};
  return out;
}

// The event loop of this thread, shared by its connections (kj allows one per thread).
struct thread_io {
  kj::AsyncIoContext io = kj::setupAsyncIo();
};

std::shared_ptr<thread_io> this_thread_io() {
  thread_local std::weak_ptr<thread_io> current;
  auto io = current.lock();
  if (!io) {
    io = std::make_shared<thread_io>();
    current = io;
  }
  return io;
}

base::result<std::pair<std::string, unsigned>> split_endpoint(const std::string& endpoint) {
  const auto colon = endpoint.rfind(':');
  char* end = nullptr;
  const unsigned long port =
      colon == std::string::npos ? 0 : std::strtoul(endpoint.c_str() + colon + 1, &end, 10);
  if (colon == std::string::npos || colon == 0 || end == endpoint.c_str() + colon + 1 ||
      *end != '\0' || port == 0 || port > 65535)
    return base::fail(base::errc::invalid_argument,
                      "endpoint \"" + endpoint + "\" is not host:port (e.g. 127.0.0.1:7400)");
  return std::pair{endpoint.substr(0, colon), static_cast<unsigned>(port)};
}

// -- the client's sinks -------------------------------------------------------------------------

// Where a stream's or a feed's chunks land; `done` settles when it ends.
class chunk_sink_impl final : public schema::ChunkSink::Server {
 public:
  struct state {
    chunk_handler on_chunks;
    std::function<void()> on_resync;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::optional<double> first_ms;
    std::uint64_t chunks = 0;
    std::uint64_t resyncs = 0;
    std::optional<stream_stats> stats;
    std::optional<base::error> failure;
    kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> ended;

    void end() {
      KJ_IF_MAYBE (f, ended) {
        (*f)->fulfill();
        ended = nullptr;
      }
    }
  };

  explicit chunk_sink_impl(std::shared_ptr<state> s) : state_(std::move(s)) {}

  kj::Promise<void> chunks(ChunksContext context) override {
    auto list = context.getParams().getChunks();
    std::vector<streamed_chunk> batch;
    batch.reserve(list.size());
    for (auto c : list)
      batch.push_back(chunk_of(c));
    if (!state_->first_ms)
      state_->first_ms = elapsed_ms();
    state_->chunks += batch.size();
    if (state_->on_chunks)
      state_->on_chunks(batch);
    return kj::READY_NOW;
  }
  kj::Promise<void> resync(ResyncContext) override {
    ++state_->resyncs;
    if (state_->on_resync)
      state_->on_resync();
    return kj::READY_NOW;
  }
  kj::Promise<void> done(DoneContext context) override {
    auto s = context.getParams().getStats();
    stream_stats out{s.getChunks(), s.getBytes(), s.getErrors(), s.getFirstChunkUs(),
                     s.getTotalUs()};
    out.client_first_chunk_ms = state_->first_ms.value_or(elapsed_ms());
    out.client_total_ms = elapsed_ms();
    state_->stats = out;
    state_->end();
    return kj::READY_NOW;
  }
  kj::Promise<void> failed(FailedContext context) override {
    state_->failure = from_schema(context.getParams().getError());
    state_->end();
    return kj::READY_NOW;
  }

 private:
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                     state_->started)
        .count();
  }
  std::shared_ptr<state> state_;
};

// Acks of a streaming push.
class ack_sink_impl final : public schema::AckSink::Server {
 public:
  explicit ack_sink_impl(std::function<void(const ack&)> on_ack) : on_ack_(std::move(on_ack)) {}
  kj::Promise<void> acks(AcksContext context) override {
    for (auto a : context.getParams().getAcks())
      on_ack_(ack_of(a));
    return kj::READY_NOW;
  }

 private:
  std::function<void(const ack&)> on_ack_;
};

}  // namespace

// -- ids ----------------------------------------------------------------------------------------

update_id random_id() {
  thread_local std::mt19937_64 random(std::random_device{}());
  update_id id;
  for (std::size_t n = 0; n < id.size(); n += 8) {
    const std::uint64_t bits = random();
    std::memcpy(id.data() + n, &bits, 8);
  }
  return id;
}

std::string to_hex(const update_id& id) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : id) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

base::result<update_id> parse_id(std::string_view hex) {
  update_id id{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (hex.size() != 2 * id.size())
    return base::fail(base::errc::invalid_argument,
                      "an update id is 32 hex digits; got \"" + std::string(hex) + "\"");
  for (std::size_t n = 0; n < id.size(); ++n) {
    const int hi = nibble(hex[2 * n]), lo = nibble(hex[2 * n + 1]);
    if (hi < 0 || lo < 0)
      return base::fail(base::errc::invalid_argument,
                        "an update id is 32 hex digits; got \"" + std::string(hex) + "\"");
    id[n] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return id;
}

std::string_view name(ack::status s) {
  switch (s) {
    case ack::status::applied:
      return "applied";
    case ack::status::duplicate:
      return "duplicate";
    case ack::status::error:
      break;
  }
  return "error";
}

// -- the connection -----------------------------------------------------------------------------

struct connection::impl {
  options opts;
  std::shared_ptr<thread_io> io = this_thread_io();
  kj::Own<kj::AsyncIoStream> stream;
  kj::Own<capnp::TwoPartyClient> rpc;
  kj::Maybe<kj::ForkedPromise<void>> disconnected;
  std::optional<schema::Strata::Client> strata;
  server_info info;

  kj::WaitScope& wait_scope() { return io->io.waitScope; }
  kj::Timer& timer() { return io->io.provider->getTimer(); }

  void drop() {
    strata.reset();
    disconnected = nullptr;
    rpc = nullptr;
    stream = nullptr;
  }

  // Waits for `promise`, failing as unavailable when the connection drops or `limit` passes.
  template <class T>
  base::result<T> wait(kj::Promise<T>&& promise,
                       std::optional<std::chrono::milliseconds> limit = std::nullopt) {
    std::optional<base::result<T>> out;
    const auto ms = limit.value_or(opts.timeout);
    KJ_IF_MAYBE (failure, kj::runCatchingExceptions([&] {
                   kj::Promise<T> joined = kj::mv(promise);
                   KJ_IF_MAYBE (d, disconnected) {
                     joined = joined.exclusiveJoin(d->addBranch().then([]() -> kj::Promise<T> {
                       return KJ_EXCEPTION(DISCONNECTED, "the server closed the connection");
                     }));
                   }
                   if (ms.count() > 0)
                     joined = timer().timeoutAfter(ms.count() * kj::MILLISECONDS, kj::mv(joined));
                   out.emplace(joined.wait(wait_scope()));
                 })) {
      base::error e = from_exception(*failure);
      if (failure->getDescription() == "operation timed out"_kj)
        e = {base::errc::unavailable,
             "no answer from " + opts.endpoint + " within " + std::to_string(ms.count()) + " ms"};
      if (e.code == base::errc::unavailable)
        drop();
      return e;
    }
    return std::move(*out);
  }

  base::status wait_void(kj::Promise<void>&& promise,
                         std::optional<std::chrono::milliseconds> limit = std::nullopt) {
    auto done = wait(promise.then([] { return true; }), limit);
    if (!done)
      return done.error();
    return {};
  }

  // (Re)connects and opens the gate.
  base::status connect() {
    drop();
    auto where = split_endpoint(opts.endpoint);
    if (!where)
      return where.error();
    std::optional<base::error> failed;
    KJ_IF_MAYBE (failure, kj::runCatchingExceptions([&] {
                   auto& network = io->io.provider->getNetwork();
                   auto addr = network.parseAddress(where->first, where->second).wait(wait_scope());
                   stream =
                       timer()
                           .timeoutAfter(opts.timeout.count() * kj::MILLISECONDS, addr->connect())
                           .wait(wait_scope());
                 })) {
      return base::fail(base::errc::unavailable, "cannot connect to " + opts.endpoint + ": " +
                                                     failure->getDescription().cStr());
    }
    rpc = kj::heap<capnp::TwoPartyClient>(*stream);
    disconnected = rpc->onDisconnect().fork();
    auto gate = rpc->bootstrap().castAs<schema::Gate>();
    auto request = gate.openRequest();
    request.setToken(opts.token);
    auto opened = wait(request.send().then(
        [](capnp::Response<schema::Gate::OpenResults>&& r) { return kj::mv(r); }));
    if (!opened)
      return opened.error();
    if (opened->hasError()) {
      const base::error e = from_schema(opened->getError());
      drop();
      return e;
    }
    strata = opened->getStrata();
    auto got = wait(strata->infoRequest().send().then(
        [](capnp::Response<schema::Strata::InfoResults>&& r) { return info_of(r.getInfo()); }));
    if (!got)
      return got.error();
    info = std::move(*got);
    return {};
  }

  base::status ensure_connected() {
    if (strata)
      return {};
    return connect();
  }

  // Calls `call` (which sends a request on the Strata capability and returns a promise of the
  // result), connecting first when needed.
  template <class T, class Call>
  base::result<T> call(Call&& call_fn) {
    if (auto ok = ensure_connected(); !ok)
      return ok.error();
    return wait<T>(call_fn(*strata));
  }

  // Before attempt number `attempt` (0 is the first): waits the retry's backoff, or gives up
  // with the last error once the retries are spent.
  std::optional<base::error> before_attempt(unsigned attempt,
                                            const std::optional<base::error>& last) {
    if (attempt == 0)
      return std::nullopt;
    if (attempt > opts.retries)
      return last.value_or(base::error{base::errc::unavailable, "retries spent"});
    back_off(attempt - 1);
    return std::nullopt;
  }

  // Sleeps `attempt`'s backoff on the event loop (so feeds keep flowing).
  void back_off(unsigned attempt) {
    const auto ms = opts.backoff.count() << std::min(attempt, 10u);
    KJ_IF_MAYBE (ignored, kj::runCatchingExceptions([&] {
                   timer().afterDelay(ms * kj::MILLISECONDS).wait(wait_scope());
                 })) {
      (void)ignored;
    }
  }
};

connection::connection(std::unique_ptr<impl> self) : self_(std::move(self)) {}

connection::~connection() {
  self_->drop();
}

base::result<std::unique_ptr<connection>> connection::open(const options& o) {
  auto self = std::make_unique<impl>();
  self->opts = o;
  if (auto ok = self->connect(); !ok)
    return ok.error();
  return std::unique_ptr<connection>(new connection(std::move(self)));
}

base::result<server_info> connection::info() {
  return self_->call<server_info>([](schema::Strata::Client& s) {
    return s.infoRequest().send().then(
        [](capnp::Response<schema::Strata::InfoResults>&& r) { return info_of(r.getInfo()); });
  });
}

base::result<std::vector<ack>> connection::apply(std::span<const geology::update> updates) {
  std::vector<ack> out(updates.size());
  // Indexes of the updates with no final answer yet.
  std::vector<std::size_t> pending = all_indexes(updates.size());
  std::optional<base::error> last;
  for (unsigned attempt = 0; !pending.empty(); ++attempt) {
    if (auto give_up = self_->before_attempt(attempt, last))
      return *give_up;
    std::vector<std::size_t> again;
    const std::size_t per_call = std::max<std::size_t>(self_->info.limits.batch_updates_max, 1);
    for (std::size_t from = 0; from < pending.size(); from += per_call) {
      const std::size_t to = std::min(pending.size(), from + per_call);
      auto acks = self_->call<std::vector<ack>>([&](schema::Strata::Client& s) {
        auto request = s.applyRequest();
        auto list = request.initBatch().initUpdates(static_cast<unsigned>(to - from));
        for (std::size_t n = from; n < to; ++n)
          geology::to_capnp(updates[pending[n]], list[static_cast<unsigned>(n - from)]);
        return request.send().then([](capnp::Response<schema::Strata::ApplyResults>&& r) {
          std::vector<ack> got;
          for (auto a : r.getAcks())
            got.push_back(ack_of(a));
          return got;
        });
      });
      if (!acks) {
        if (!retryable(acks.error()))
          return acks.error();
        last = acks.error();
        again.insert(again.end(), pending.begin() + from, pending.end());
        break;
      }
      for (std::size_t n = from; n < to && n - from < acks->size(); ++n) {
        ack& a = (*acks)[n - from];
        if (a.state == ack::status::error && retryable(*a.failure)) {
          last = *a.failure;
          again.push_back(pending[n]);
        } else {
          out[pending[n]] = std::move(a);
        }
      }
    }
    pending = std::move(again);
  }
  return out;
}

base::status connection::push(std::span<const geology::update> updates,
                              const std::function<void(const ack&)>& on_ack, std::size_t batch) {
  batch = std::clamp<std::size_t>(batch, 1,
                                  std::max<std::uint32_t>(self_->info.limits.batch_updates_max, 1));
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t n = 0; n < updates.size(); ++n)
    index.emplace(std::string(updates[n].id.begin(), updates[n].id.end()), n);
  std::vector<bool> answered(updates.size(), false);
  std::vector<std::size_t> pending = all_indexes(updates.size());
  std::optional<base::error> last;
  for (unsigned attempt = 0; !pending.empty(); ++attempt) {
    if (auto give_up = self_->before_attempt(attempt, last))
      return *give_up;
    if (auto ok = self_->ensure_connected(); !ok) {
      if (!retryable(ok.error()))
        return ok.error();
      last = ok.error();
      continue;
    }
    std::vector<std::size_t> again;
    auto sink = kj::heap<ack_sink_impl>([&](const ack& a) {
      auto found = index.find(std::string(a.id.begin(), a.id.end()));
      if (found == index.end() || answered[found->second])
        return;
      if (a.state == ack::status::error && retryable(*a.failure)) {
        last = *a.failure;
        again.push_back(found->second);
        return;
      }
      answered[found->second] = true;
      on_ack(a);
    });
    auto request = self_->strata->pushRequest();
    request.setAcks(kj::mv(sink));
    auto updates_sink = request.send().getUpdates();
    // Each write waits for flow control; the acks arrive meanwhile.
    kj::Promise<void> sent = kj::READY_NOW;
    for (std::size_t from = 0; from < pending.size(); from += batch) {
      const std::size_t to = std::min(pending.size(), from + batch);
      sent = sent.then([&, from, to, updates_sink]() mutable {
        auto write = updates_sink.writeRequest();
        auto list = write.initBatch().initUpdates(static_cast<unsigned>(to - from));
        for (std::size_t n = from; n < to; ++n)
          geology::to_capnp(updates[pending[n]], list[static_cast<unsigned>(n - from)]);
        return write.send();
      });
    }
    auto finished = self_->wait_void(sent.then(
        [updates_sink]() mutable { return updates_sink.finishRequest().send().ignoreResult(); }));
    if (!finished) {
      if (!retryable(finished.error()))
        return finished.error();
      last = finished.error();
    }
    // What has no final ack goes again.
    again.clear();
    for (std::size_t n : pending)
      if (!answered[n])
        again.push_back(n);
    pending = std::move(again);
  }
  return {};
}

base::result<stream_stats> connection::stream(const stream_request& r,
                                              const chunk_handler& on_chunks) {
  if (auto ok = self_->ensure_connected(); !ok)
    return ok.error();
  auto state = std::make_shared<chunk_sink_impl::state>();
  state->on_chunks = on_chunks;
  auto paf = kj::newPromiseAndFulfiller<void>();
  state->ended = kj::mv(paf.fulfiller);
  auto request = self_->strata->streamRequest();
  auto in = request.initRequest();
  in.initCentre().setLatDeg(r.centre.lat_deg);
  in.getCentre().setLngDeg(r.centre.lng_deg);
  in.setRadiusM(r.radius_m);
  in.setLodMax(r.lod_max);
  in.setLodStepM(r.lod_step_m);
  in.setVelocityEastMps(r.velocity_east_mps);
  in.setVelocityNorthMps(r.velocity_north_mps);
  request.setSink(kj::heap<chunk_sink_impl>(state));
  {
    auto started = self_->wait(request.send().then(
        [](capnp::Response<schema::Strata::StreamResults>&& r) { return kj::mv(r); }));
    if (!started)
      return started.error();
    if (started->hasError())
      return from_schema(started->getError());
    // Holding the handle keeps the stream running; the stream has no overall time limit, only
    // the connection's health.
    auto handle = started->getHandle();
    if (auto ended = self_->wait_void(kj::mv(paf.promise), std::chrono::milliseconds(0)); !ended)
      return ended.error();
  }
  // The stream is over: its call and handle go back to the server now, so it frees them before
  // the next call rather than when that call is written.
  self_->wait_scope().poll();
  if (state->failure)
    return *state->failure;
  return *state->stats;
}

struct subscription::impl {
  std::shared_ptr<chunk_sink_impl::state> state;
  std::optional<schema::Handle::Client> handle;
  connection::impl* owner = nullptr;
};

subscription::subscription(std::unique_ptr<impl> self) : self_(std::move(self)) {}

subscription::~subscription() {
  cancel();
}

void subscription::cancel() {
  if (!self_->handle)
    return;
  if (self_->owner && self_->owner->strata) {
    (void)self_->owner->wait_void(self_->handle->cancelRequest().send().ignoreResult());
  }
  self_->handle.reset();
}

std::uint64_t subscription::chunks() const {
  return self_->state->chunks;
}

std::uint64_t subscription::resyncs() const {
  return self_->state->resyncs;
}

std::optional<base::error> subscription::failure() const {
  return self_->state->failure;
}

base::result<std::unique_ptr<subscription>> connection::subscribe(const geo::lat_lng& centre,
                                                                  double radius_m,
                                                                  chunk_handler on_chunks,
                                                                  std::function<void()> on_resync) {
  if (auto ok = self_->ensure_connected(); !ok)
    return ok.error();
  auto state = std::make_shared<chunk_sink_impl::state>();
  state->on_chunks = std::move(on_chunks);
  state->on_resync = std::move(on_resync);
  auto request = self_->strata->subscribeRequest();
  request.initCentre().setLatDeg(centre.lat_deg);
  request.getCentre().setLngDeg(centre.lng_deg);
  request.setRadiusM(radius_m);
  request.setSink(kj::heap<chunk_sink_impl>(state));
  auto started = self_->wait(request.send().then(
      [](capnp::Response<schema::Strata::SubscribeResults>&& r) { return kj::mv(r); }));
  if (!started)
    return started.error();
  if (started->hasError())
    return from_schema(started->getError());
  auto self = std::make_unique<subscription::impl>();
  self->state = state;
  self->handle = started->getHandle();
  self->owner = self_.get();
  return std::make_unique<subscription>(std::move(self));
}

base::result<voxel_answer> connection::voxel(const geo::position& at) {
  auto answer = self_->call<base::result<voxel_answer>>([&](schema::Strata::Client& s) {
    auto request = s.voxelRequest();
    auto where = request.initAt();
    where.setLatDeg(at.lat_deg);
    where.setLngDeg(at.lng_deg);
    where.setAltM(at.alt_m);
    return request.send().then(
        [](capnp::Response<schema::Strata::VoxelResults>&& r) -> base::result<voxel_answer> {
          auto a = r.getAnswer();
          if (a.hasError())
            return from_schema(a.getError());
          voxel_answer out;
          auto v = a.getVoxel();
          out.voxel = {v.getFace(), v.getI(), v.getJ(), v.getK()};
          out.material = a.getMaterial();
          out.material_name = a.getMaterialName().cStr();
          out.history = a.getHistory();
          out.version = a.getVersion();
          out.tick = a.getTick();
          return out;
        });
  });
  if (!answer)
    return answer.error();
  return std::move(*answer);
}

base::result<column_answer> connection::column(const geo::lat_lng& at) {
  auto answer = self_->call<base::result<column_answer>>([&](schema::Strata::Client& s) {
    auto request = s.columnRequest();
    request.initAt().setLatDeg(at.lat_deg);
    request.getAt().setLngDeg(at.lng_deg);
    return request.send().then(
        [](capnp::Response<schema::Strata::ColumnResults>&& r) -> base::result<column_answer> {
          auto a = r.getAnswer();
          if (a.hasError())
            return from_schema(a.getError());
          column_answer out;
          for (auto l : a.getLayers())
            out.layers.push_back({l.getMaterial(), l.getMaterialName().cStr(), l.getHistory(),
                                  l.getBottomM(), l.getTopM()});
          out.version = a.getVersion();
          out.tick = a.getTick();
          return out;
        });
  });
  if (!answer)
    return answer.error();
  return std::move(*answer);
}

base::result<region_stats> connection::region(std::uint64_t region) {
  auto answer = self_->call<base::result<region_stats>>([&](schema::Strata::Client& s) {
    auto request = s.regionStatsRequest();
    request.setRegion(region);
    return request.send().then(
        [](capnp::Response<schema::Strata::RegionStatsResults>&& r) -> base::result<region_stats> {
          auto a = r.getStats();
          if (a.hasError())
            return from_schema(a.getError());
          return region_stats{a.getRegion(),  a.getVersion(), a.getTick(),
                              a.getUpdates(), a.getNode(),    a.getEpoch()};
        });
  });
  if (!answer)
    return answer.error();
  return std::move(*answer);
}

namespace {

shard_map map_of(schema::ShardMap::Reader in) {
  shard_map out;
  out.version = in.getVersion();
  for (auto r : in.getRanges())
    out.ranges.push_back({r.getFirst(), r.getLast(), r.getNode(), r.getEpoch(), r.getUpdatesPerS(),
                          r.getReadsPerS()});
  for (auto n : in.getNodes())
    out.nodes.push_back({n.getId(), n.getState().cStr(), n.getStoredBytes(), n.getUpdatesPerS(),
                         n.getReadsPerS(), n.getAddress().cStr()});
  for (auto m : in.getMoves())
    out.moves.push_back({m.getFirst(), m.getLast(), m.getFrom(), m.getTo(), m.getReason().cStr()});
  return out;
}

}  // namespace

base::result<shard_map> connection::map() {
  return self_->call<shard_map>([](schema::Strata::Client& s) {
    return s.shardMapRequest().send().then(
        [](capnp::Response<schema::Strata::ShardMapResults>&& r) { return map_of(r.getMap()); });
  });
}

base::result<shard_map> connection::drain(std::uint64_t node) {
  auto drained = self_->call<base::result<shard_map>>([node](schema::Strata::Client& s) {
    auto request = s.drainRequest();
    request.setNode(node);
    return request.send().then(
        [](capnp::Response<schema::Strata::DrainResults>&& r) -> base::result<shard_map> {
          if (r.hasError())
            return from_schema(r.getError());
          return map_of(r.getMap());
        });
  });
  if (!drained)
    return drained.error();
  return std::move(*drained);
}

base::result<shard_map> connection::move(std::uint64_t first, std::uint64_t last,
                                         std::uint64_t node) {
  auto moved = self_->call<base::result<shard_map>>([first, last, node](schema::Strata::Client& s) {
    auto request = s.moveRequest();
    request.setFirst(first);
    request.setLast(last);
    request.setNode(node);
    return request.send().then(
        [](capnp::Response<schema::Strata::MoveResults>&& r) -> base::result<shard_map> {
          if (r.hasError())
            return from_schema(r.getError());
          return map_of(r.getMap());
        });
  });
  if (!moved)
    return moved.error();
  return std::move(*moved);
}

base::result<server_stats> connection::stats() {
  return self_->call<server_stats>([](schema::Strata::Client& s) {
    return s.statsRequest().send().then([](capnp::Response<schema::Strata::StatsResults>&& r) {
      auto in = r.getStats();
      server_stats out;
      out.regions = in.getRegions();
      out.chunks = in.getChunks();
      out.chunk_bytes = in.getChunkBytes();
      out.disk_bytes = in.getDiskBytes();
      out.raw_bytes = in.getRawBytes();
      for (std::uint64_t n : in.getChunksPerLod())
        out.chunks_per_lod.push_back(n);
      for (auto c : in.getCodecs())
        out.codecs.push_back({c.getCodec().cStr(), c.getChunks(), c.getBytes()});
      out.updates_applied = in.getUpdatesApplied();
      out.updates_duplicate = in.getUpdatesDuplicate();
      out.updates_failed = in.getUpdatesFailed();
      out.commits = in.getCommits();
      out.dirty_chunks = in.getDirtyChunks();
      out.regions_active = in.getRegionsActive();
      return out;
    });
  });
}

base::result<server_info> connection::create(const geo::world_spec& spec,
                                             const std::string& generator) {
  auto made = self_->call<base::result<server_info>>([&](schema::Strata::Client& s) {
    auto request = s.createRequest();
    fill_spec(request.initSpec(), spec);
    request.setGenerator(
        kj::arrayPtr(reinterpret_cast<const kj::byte*>(generator.data()), generator.size()));
    return request.send().then(
        [](capnp::Response<schema::Strata::CreateResults>&& r) -> base::result<server_info> {
          if (r.hasError())
            return from_schema(r.getError());
          return info_of(r.getInfo());
        });
  });
  if (!made)
    return made.error();
  if (*made)
    self_->info = **made;
  return std::move(*made);
}

void connection::poll(std::chrono::milliseconds time) {
  (void)self_->wait_void(self_->timer().afterDelay(time.count() * kj::MILLISECONDS),
                         std::chrono::milliseconds(0));
}

// -- decoding -----------------------------------------------------------------------------------

chunk_decoder::chunk_decoder(std::unique_ptr<shard::world> w)
    : world_(std::move(w)), baseline_(shard::baseline_of(*world_)) {}
chunk_decoder::~chunk_decoder() = default;

base::result<std::unique_ptr<chunk_decoder>> chunk_decoder::make(const server_info& info) {
  if (!info.has_world)
    return base::fail(base::errc::not_found, "the server has no world yet");
  auto record = geology::parse_generator_record(info.generator);
  if (!record)
    return record.error();
  auto w = shard::make_world(info.world, std::move(*record));
  if (!w)
    return w.error();
  return std::unique_ptr<chunk_decoder>(new chunk_decoder(std::move(*w)));
}

base::status chunk_decoder::decode(const streamed_chunk& c, compression::chunk& out) const {
  if (c.failure)
    return *c.failure;
  if (c.source == chunk_source::baseline) {
    if (c.key.lod != 0)
      return base::fail(base::errc::corrupt_data, "a baseline chunk above LOD 0");
    baseline_(c.key, out);
    return {};
  }
  return compression::decode_chunk(c.data, out);
}

const geo::grid& chunk_decoder::grid() const {
  return world_->grid;
}

}  // namespace strata::client
