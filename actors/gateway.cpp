#include "actors/gateway.hpp"

// GCC 12 reports base::result's variant inside kj's ExceptionOr as maybe-uninitialized when kj
// moves an empty Maybe; kj only reads it after it is set.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <capnp/message.h>
#include <capnp/rpc-twoparty.h>
#include <capnp/serialize.h>
#include <kj/async-io.h>
#include <kj/async.h>
#include <caf/actor_companion.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <pthread.h>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <thread>

#include "actors/errors.hpp"
#include "actors/routing.hpp"
#include "base/build_info.hpp"
#include "compression/codecs.hpp"
#include "geology/materials.hpp"
#include "schema/api.capnp.h"

namespace strata::actors::detail {

/// Work the kj thread hands to the bridge actor: it runs on the bridge, which may send requests
/// and continue with their replies.
struct bridge_task {
  std::function<void(caf::event_based_actor*)> run;
};

}  // namespace strata::actors::detail

// A bridge task never leaves the process: it holds a function.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(strata::actors::detail::bridge_task)

namespace strata::actors {

namespace {

using detail::bridge_task;
template <class T>
using cross_fulfiller = kj::Own<kj::CrossThreadPromiseFulfiller<T>>;

// -- errors -------------------------------------------------------------------------------------

schema::Error::Kind kind_of(base::errc code) {
  switch (base::kind(code)) {
    case base::error_kind::retryable:
      return schema::Error::Kind::RETRYABLE;
    case base::error_kind::overloaded:
      return schema::Error::Kind::OVERLOADED;
    case base::error_kind::fatal:
      break;
  }
  return schema::Error::Kind::FATAL;
}

void fill(schema::Error::Builder out, const base::error& e) {
  out.setCode(static_cast<std::uint16_t>(e.code));
  out.setKind(kind_of(e.code));
  out.setMessage(e.message);
}

// A call that fails as a whole and has no Error in its results: the RPC fails with a description
// the client library reads the code back from ("strata error <number> <name>: <message>").
kj::Exception call_failure(const base::error& e) {
  const auto type = base::kind(e.code) == base::error_kind::overloaded
                        ? kj::Exception::Type::OVERLOADED
                        : kj::Exception::Type::FAILED;
  return kj::Exception(type, __FILE__, __LINE__,
                       kj::str("strata error ", static_cast<unsigned>(e.code), " ",
                               std::string(base::name(e.code)).c_str(), ": ", e.message.c_str()));
}

// Refuses a batch past gateway.batch_updates_max.
void check_batch(const config::config& settings, std::size_t updates) {
  const std::uint64_t limit = settings.gateway.batch_updates_max;
  if (updates > limit)
    throw call_failure({base::errc::limit_exceeded,
                        "a batch of " + std::to_string(updates) +
                            " updates exceeds gateway.batch_updates_max " + std::to_string(limit)});
}

base::error no_world() {
  return {base::errc::not_found,
          "the server has no world yet: create one first (strata import, Strata.create)"};
}

// -- conversions --------------------------------------------------------------------------------

std::string flat_bytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asChars();
  return std::string(bytes.begin(), bytes.size());
}

// Copies a struct into a message of its own, as the flat bytes the actors carry.
template <class Reader>
std::string copy_bytes(Reader in) {
  capnp::MallocMessageBuilder message;
  message.setRoot(in);
  return flat_bytes(message);
}

void fill_spec(schema::WorldSpec::Builder out, const geo::world_spec& spec) {
  const std::string bytes = geo::serialize(spec);
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), words.asBytes().size());
  capnp::FlatArrayMessageReader reader(words);
  out.setFormatVersion(1);
  auto root = reader.getRoot<schema::WorldSpec>();
  out.setVoxelLevel(root.getVoxelLevel());
  out.setRegionLevel(root.getRegionLevel());
  out.setDzM(root.getDzM());
  out.setZMinM(root.getZMinM());
  out.setZMaxM(root.getZMaxM());
  out.setChunkEdge(root.getChunkEdge());
  out.setName(root.getName());
}

void fill_volumes(capnp::List<schema::MaterialAmount>::Builder out,
                  const std::vector<material_volume>& in) {
  for (unsigned n = 0; n < in.size(); ++n) {
    out[n].setMaterial(in[n].material);
    out[n].setVolumeM3(in[n].m3);
  }
}

void fill_ack(schema::Ack::Builder out, capnp::Data::Reader id,
              const base::result<write_reply>& reply) {
  out.setId(id);
  if (!reply) {
    out.setStatus(schema::Ack::Status::ERROR);
    fill(out.initError(), reply.error());
    return;
  }
  const write_reply& r = *reply;
  out.setStatus(r.regions_applied == 0 && r.regions_duplicate > 0 ? schema::Ack::Status::DUPLICATE
                                                                  : schema::Ack::Status::APPLIED);
  out.setRegionsApplied(r.regions_applied);
  out.setRegionsDuplicate(r.regions_duplicate);
  out.setChunksChanged(r.chunks_changed);
  out.setVoxelsChanged(r.voxels_changed);
  fill_volumes(out.initRemoved(static_cast<unsigned>(r.removed.size())), r.removed);
  fill_volumes(out.initAdded(static_cast<unsigned>(r.added.size())), r.added);
}

void fill_chunk(schema::StreamedChunk::Builder out, const chunk_item& in) {
  auto id = out.initId();
  id.setRegion(in.key.region);
  id.setLod(in.key.lod);
  id.setMorton(in.key.morton);
  out.setSource(static_cast<schema::StreamedChunk::Source>(in.source));
  out.setVersion(in.version);
  out.setTick(in.tick);
  if (!in.bytes.empty())
    out.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(in.bytes.data()), in.bytes.size()));
  if (in.error_code != 0)
    fill(out.initError(), {static_cast<base::errc>(in.error_code), in.error_message});
}

void fill_stats(schema::StreamStats::Builder out, const stream_stats& in) {
  out.setChunks(in.chunks);
  out.setBytes(in.bytes);
  out.setErrors(in.errors);
  out.setFirstChunkUs(in.first_chunk_us);
  out.setTotalUs(in.total_us);
}

std::string material_name(std::uint8_t id) {
  const geology::material_entry* m = geology::material_table::defaults().find(id);
  return m ? m->name : "material " + std::to_string(id);
}

// A finite coordinate, or the field named in the error.
base::status finite(double value, const char* field) {
  if (!std::isfinite(value))
    return base::fail(base::errc::invalid_argument, std::string(field) + " is not finite");
  return {};
}

// -- the bridge between the kj thread and the actors --------------------------------------------

caf::behavior bridge(caf::event_based_actor* self, int) {
  return {[self](bridge_task& task) { task.run(self); }};
}

// Asks `handle` from the kj thread: the bridge sends the request, and its reply or error
// fulfils the returned promise across threads.
template <class T, class Handle, class... Ts>
kj::Promise<base::result<T>> ask(const caf::actor& bridge, std::chrono::milliseconds timeout,
                                 Handle handle, Ts... xs) {
  auto paf = kj::newPromiseAndCrossThreadFulfiller<base::result<T>>();
  auto slot = std::make_shared<cross_fulfiller<base::result<T>>>(kj::mv(paf.fulfiller));
  caf::anon_send(
      bridge, bridge_task{[=](caf::event_based_actor* self) {
        self->request(handle, timeout, xs...)
            .then([slot](T& value) { (*slot)->fulfill(base::result<T>(std::move(value))); },
                  [slot](caf::error& e) { (*slot)->fulfill(base::result<T>(from_caf(e))); });
      }});
  return kj::mv(paf.promise);
}

// Events of a stream or change feed, from its sink (CAF threads) to the pump (kj thread).
struct feed_event {
  enum class kind : std::uint8_t { chunks, done, resync, failed, stopped } what = kind::chunks;
  /// For chunks: the producer to credit.
  caf::actor producer;
  chunk_batch batch;
  stream_stats stats;
  base::error failure{base::errc::cancelled, ""};
};

class feed {
 public:
  // Any thread.
  void push(feed_event event) {
    std::shared_ptr<cross_fulfiller<void>> wake;
    {
      std::lock_guard lock(lock_);
      events_.push_back(std::move(event));
      wake = std::move(waiter_);
    }
    if (wake)
      (*wake)->fulfill();
  }
  // The kj thread: resolves when an event is waiting.
  kj::Promise<void> ready() {
    std::lock_guard lock(lock_);
    if (!events_.empty())
      return kj::READY_NOW;
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    waiter_ = std::make_shared<cross_fulfiller<void>>(kj::mv(paf.fulfiller));
    return kj::mv(paf.promise);
  }
  // Everything queued, in order.
  std::deque<feed_event> take_all() {
    std::lock_guard lock(lock_);
    return std::exchange(events_, {});
  }

 private:
  std::mutex lock_;
  std::deque<feed_event> events_;
  std::shared_ptr<cross_fulfiller<void>> waiter_;
};

// The sink the router's streamer or subscription sends to: an actor companion, so a message is
// handled on its sender's thread and goes straight to the feed, with no hop through the scheduler.
// It forwards chunks and resyncs; after done or a failure it ignores the rest. The producer
// monitors it: closing the sink stops the producer.
caf::actor_companion* companion_of(const caf::actor& sink) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(sink));
}

caf::actor spawn_sink(caf::actor_system& system, std::shared_ptr<feed> f) {
  caf::actor sink = system.spawn<caf::actor_companion>();
  auto ended = std::make_shared<std::atomic<bool>>(false);
  companion_of(sink)->on_enqueue([f, ended](caf::mailbox_element_ptr element) {
    if (ended->load())
      return;
    auto& content = element->content();
    feed_event event;
    if (content.match_elements<chunks_atom, std::uint64_t, chunk_batch>()) {
      event.producer = caf::actor_cast<caf::actor>(element->sender);
      event.batch = content.move_if_unshared<chunk_batch>(2);
    } else if (content.match_elements<resync_atom, std::uint64_t>()) {
      event.what = feed_event::kind::resync;
    } else if (content.match_elements<done_atom, std::uint64_t, stream_stats>()) {
      event.what = feed_event::kind::done;
      event.stats = content.get_as<stream_stats>(2);
    } else if (content.match_elements<caf::down_msg>()) {
      // The producer stopped without saying done: it failed, or its node went.
      event.what = feed_event::kind::failed;
      event.failure = {base::errc::unavailable,
                       "the stream stopped on the server: " +
                           caf::to_string(content.get_as<caf::down_msg>(0).reason)};
    } else if (content.match_elements<caf::error>()) {
      event.what = feed_event::kind::failed;
      event.failure = from_caf(content.get_as<caf::error>(0));
    } else {
      return;
    }
    if (event.what == feed_event::kind::done || event.what == feed_event::kind::failed)
      if (ended->exchange(true))
        return;
    f->push(std::move(event));
  });
  return sink;
}

// Stops the sink: it takes no more messages, and its producer, which monitors it, stops.
void close_sink(const caf::actor& sink) {
  caf::actor_companion* self = companion_of(sink);
  self->on_enqueue({});
  caf::scoped_execution_unit context{&self->home_system()};
  self->cleanup(caf::make_error(caf::exit_reason::user_shutdown), &context);
}

}  // namespace

// -- the gateway's state ------------------------------------------------------------------------

struct gateway::impl {
  impl(caf::actor_system& s, gateway_backend& b, const config::config& c)
      : system(s), backend(b), settings(c), timeout(routed_timeout(c)) {}

  caf::actor_system& system;
  gateway_backend& backend;
  config::config settings;
  std::chrono::milliseconds timeout;
  caf::actor bridge;
  std::thread thread;
  std::string address;
  std::uint16_t port = 0;
  std::atomic<std::size_t> connections{0};

  std::mutex lock;
  bool stopping = false;
  std::shared_ptr<cross_fulfiller<void>> stop_signal;
  // Blocking calls (create, stats) run on threads of their own, joined at stop.
  std::list<std::thread> workers;

  // Runs `work` on a worker thread and fulfils the promise with its result.
  template <class T>
  kj::Promise<base::result<T>> off_loop(std::function<base::result<T>()> work) {
    auto paf = kj::newPromiseAndCrossThreadFulfiller<base::result<T>>();
    auto slot = std::make_shared<cross_fulfiller<base::result<T>>>(kj::mv(paf.fulfiller));
    std::lock_guard guard(lock);
    workers.emplace_back([slot, work = std::move(work)] { (*slot)->fulfill(work()); });
    return kj::mv(paf.promise);
  }

  void run(std::promise<base::status>& started);
};

namespace {

using rpc_system = capnp::RpcSystem<capnp::rpc::twoparty::VatId>;

struct task_errors final : kj::TaskSet::ErrorHandler {
  void taskFailed(kj::Exception&&) override {}
};

// One client connection: its RPC system, its Gate, and the tasks that pump its streams.
struct connection {
  connection(gateway::impl& g, kj::Own<kj::AsyncIoStream>&& s, capnp::ReaderOptions options);
  ~connection() { --server.connections; }

  gateway::impl& server;
  kj::Own<kj::AsyncIoStream> stream;
  capnp::TwoPartyVatNetwork network;
  kj::Own<rpc_system> rpc;
  std::size_t streams = 0;
  task_errors errors;
  // Declared last: destroyed first, while the RPC system the pumps use is still there.
  kj::TaskSet tasks{errors};
};

// A running stream or change feed.
class handle_impl final : public schema::Handle::Server {
 public:
  handle_impl(caf::actor sink, caf::actor producer, std::shared_ptr<feed> f)
      : sink_(std::move(sink)), producer_(std::move(producer)), feed_(std::move(f)) {}
  ~handle_impl() { stop(); }

  kj::Promise<void> cancel(CancelContext) override {
    stop();
    return kj::READY_NOW;
  }

 private:
  void stop() {
    if (producer_)
      caf::anon_send(producer_, cancel_atom::value);
    if (sink_)
      close_sink(sink_);
    producer_ = nullptr;
    sink_ = nullptr;
    // Ends the pump, which frees the connection's place for another stream.
    if (feed_) {
      feed_event event;
      event.what = feed_event::kind::stopped;
      feed_->push(std::move(event));
      feed_ = nullptr;
    }
  }

  caf::actor sink_;
  caf::actor producer_;
  std::shared_ptr<feed> feed_;
};

// Drains a feed into the client's sink. What is queued goes out in one turn of the event loop:
// consecutive batches of one producer coalesced into one call, and a resync, done or failure
// behind them without waiting. A batch is credited to its producer once Cap'n Proto's flow
// control lets its call go, so the producer's window bounds what is in flight.
class pump final : private kj::TaskSet::ErrorHandler {
 public:
  pump(std::shared_ptr<feed> f, schema::ChunkSink::Client sink)
      : feed_(std::move(f)), sink_(std::move(sink)) {}

  static kj::Promise<void> run(kj::Own<pump> self) {
    pump& p = *self;
    return p.feed_->ready().then([self = kj::mv(self)]() mutable -> kj::Promise<void> {
      KJ_IF_MAYBE (e, self->failure_)
        return kj::cp(*e);
      std::deque<feed_event> events = self->feed_->take_all();
      while (!events.empty()) {
        feed_event event = std::move(events.front());
        events.pop_front();
        switch (event.what) {
          case feed_event::kind::chunks: {
            std::vector<feed_event> batches;
            batches.push_back(std::move(event));
            while (!events.empty() && events.front().what == feed_event::kind::chunks &&
                   events.front().producer == batches.front().producer) {
              batches.push_back(std::move(events.front()));
              events.pop_front();
            }
            self->send_chunks(batches);
            break;
          }
          case feed_event::kind::resync:
            self->in_flight_.add(self->sink_.resyncRequest().send().ignoreResult());
            break;
          case feed_event::kind::done: {
            auto request = self->sink_.doneRequest();
            fill_stats(request.initStats(), event.stats);
            return request.send().ignoreResult().attach(kj::mv(self));
          }
          case feed_event::kind::failed: {
            auto request = self->sink_.failedRequest();
            fill(request.initError(), event.failure);
            return request.send().ignoreResult().attach(kj::mv(self));
          }
          case feed_event::kind::stopped:
            return kj::READY_NOW;
        }
      }
      return run(kj::mv(self));
    });
  }

 private:
  // The batches in one call, sized to fit one segment: readers then find every pointer in it.
  void send_chunks(const std::vector<feed_event>& batches) {
    std::size_t count = 0, words = 16;
    for (const feed_event& e : batches)
      for (const chunk_item& item : e.batch.chunks) {
        ++count;
        words += 16 + (item.bytes.size() + item.error_message.size()) / 8;
      }
    auto request = sink_.chunksRequest(capnp::MessageSize{words, 0});
    auto list = request.initChunks(static_cast<unsigned>(count));
    unsigned at = 0;
    for (const feed_event& e : batches)
      for (const chunk_item& item : e.batch.chunks)
        fill_chunk(list[at++], item);
    in_flight_.add(request.send().then(
        [count = std::uint64_t{count}, producer = batches.front().producer]() mutable {
          if (producer)
            caf::anon_send(producer, credit_atom::value, count);
        }));
  }

  // A call the client failed ends the pump at its next turn.
  void taskFailed(kj::Exception&& e) override {
    if (failure_ == nullptr)
      failure_ = kj::mv(e);
    feed_event wake;
    wake.what = feed_event::kind::stopped;
    feed_->push(std::move(wake));
  }

  std::shared_ptr<feed> feed_;
  schema::ChunkSink::Client sink_;
  kj::Maybe<kj::Exception> failure_;
  // Declared last: its calls are cancelled before the sink they go to is released.
  kj::TaskSet in_flight_{*this};
};

// The server's end of a streaming push: each update goes to the router as it arrives, and its
// ack is sent once durable. At most gateway.push_updates_in_flight are applied or waiting for
// their ack to be sent; past that, write() holds the client back.
class update_sink_impl final : public schema::UpdateSink::Server {
 public:
  update_sink_impl(connection& c, std::shared_ptr<const gateway_target> target,
                   schema::AckSink::Client acks)
      : st_(std::make_shared<state>(c, std::move(target), kj::mv(acks))) {}

  kj::Promise<void> write(WriteContext context) override {
    auto updates = context.getParams().getBatch().getUpdates();
    connection& conn = st_->conn;
    check_batch(conn.server.settings, updates.size());
    for (auto update : updates) {
      ++st_->in_flight;
      auto id = kj::heapArray<kj::byte>(update.getId());
      // The state, not this object, is captured: the client may drop its UpdateSink while
      // updates are still being applied, and their acks still go out.
      conn.tasks.add(
          ask<write_reply>(conn.server.bridge, conn.server.timeout, st_->target->router,
                           apply_atom::value, copy_bytes(update))
              .then([st = st_, id = kj::mv(id)](base::result<write_reply> reply) mutable {
                st->ready.push_back({kj::mv(id), std::move(reply)});
                send_acks(st);
              }));
    }
    if (st_->in_flight < conn.server.settings.gateway.push_updates_in_flight)
      return kj::READY_NOW;
    auto paf = kj::newPromiseAndFulfiller<void>();
    st_->room = kj::mv(paf.fulfiller);
    return kj::mv(paf.promise);
  }

  kj::Promise<void> finish(FinishContext) override {
    if (st_->in_flight == 0)
      return kj::READY_NOW;
    auto paf = kj::newPromiseAndFulfiller<void>();
    st_->finished = kj::mv(paf.fulfiller);
    return kj::mv(paf.promise);
  }

 private:
  struct ready_ack {
    kj::Array<kj::byte> id;
    base::result<write_reply> reply;
  };
  struct state {
    state(connection& c, std::shared_ptr<const gateway_target> t, schema::AckSink::Client a)
        : conn(c), target(std::move(t)), acks(kj::mv(a)) {}
    connection& conn;
    std::shared_ptr<const gateway_target> target;
    schema::AckSink::Client acks;
    std::size_t in_flight = 0;
    bool sending = false;
    std::vector<ready_ack> ready;
    kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> room;
    kj::Maybe<kj::Own<kj::PromiseFulfiller<void>>> finished;
  };

  // Sends the acks ready now in one streaming call, then what became ready meanwhile.
  static void send_acks(const std::shared_ptr<state>& st) {
    if (st->sending || st->ready.empty())
      return;
    st->sending = true;
    auto request = st->acks.acksRequest();
    auto list = request.initAcks(static_cast<unsigned>(st->ready.size()));
    for (unsigned n = 0; n < st->ready.size(); ++n)
      fill_ack(list[n], st->ready[n].id, st->ready[n].reply);
    const std::size_t sent = st->ready.size();
    st->ready.clear();
    st->conn.tasks.add(request.send().then([st, sent]() {
      st->sending = false;
      st->in_flight -= sent;
      KJ_IF_MAYBE (waiting, st->room) {
        if (st->in_flight < st->conn.server.settings.gateway.push_updates_in_flight) {
          (*waiting)->fulfill();
          st->room = nullptr;
        }
      }
      if (st->in_flight == 0)
        KJ_IF_MAYBE (waiting, st->finished) {
          (*waiting)->fulfill();
          st->finished = nullptr;
        }
      send_acks(st);
    }));
  }

  std::shared_ptr<state> st_;
};

class strata_impl final : public schema::Strata::Server {
 public:
  explicit strata_impl(connection& c) : conn_(c) {}

  kj::Promise<void> info(InfoContext context) override {
    fill_info(context.getResults().initInfo());
    return kj::READY_NOW;
  }

  kj::Promise<void> apply(ApplyContext context) override {
    auto target = need_target();
    auto updates = context.getParams().getBatch().getUpdates();
    check_batch(conn_.server.settings, updates.size());
    // One bridge task sends every update in order, so the router sees the batch's order.
    struct gather {
      std::vector<std::string> bytes;
      std::vector<std::optional<base::result<write_reply>>> replies;
      std::size_t left = 0;
      std::shared_ptr<cross_fulfiller<void>> done;
    };
    auto g = std::make_shared<gather>();
    for (auto update : updates)
      g->bytes.push_back(copy_bytes(update));
    g->replies.resize(g->bytes.size());
    g->left = g->bytes.size();
    if (g->left == 0) {
      context.getResults().initAcks(0);
      return kj::READY_NOW;
    }
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    g->done = std::make_shared<cross_fulfiller<void>>(kj::mv(paf.fulfiller));
    const auto timeout = conn_.server.timeout;
    const router_actor router = target->router;
    caf::anon_send(conn_.server.bridge,
                   bridge_task{[g, timeout, router](caf::event_based_actor* self) {
                     for (std::size_t n = 0; n < g->bytes.size(); ++n) {
                       auto settle = [g, n](base::result<write_reply> r) {
                         g->replies[n] = std::move(r);
                         if (--g->left == 0)
                           (*g->done)->fulfill();
                       };
                       self->request(router, timeout, apply_atom::value, std::move(g->bytes[n]))
                           .then([settle](write_reply& r) { settle(std::move(r)); },
                                 [settle](caf::error& e) { settle(from_caf(e)); });
                     }
                   }});
    return paf.promise.then([context, g]() mutable {
      auto updates = context.getParams().getBatch().getUpdates();
      auto acks = context.getResults().initAcks(updates.size());
      for (unsigned n = 0; n < updates.size(); ++n)
        fill_ack(acks[n], updates[n].getId(), *g->replies[n]);
    });
  }

  kj::Promise<void> push(PushContext context) override {
    auto target = need_target();
    context.getResults().setUpdates(
        kj::heap<update_sink_impl>(conn_, std::move(target), context.getParams().getAcks()));
    return kj::READY_NOW;
  }

  kj::Promise<void> stream(StreamContext context) override {
    auto params = context.getParams();
    auto in = params.getRequest();
    stream_request request;
    request.centre = {in.getCentre().getLatDeg(), in.getCentre().getLngDeg()};
    request.radius_m = in.getRadiusM();
    request.lod_max = in.getLodMax();
    request.lod_step_m = in.getLodStepM();
    request.velocity_east_mps = in.getVelocityEastMps();
    request.velocity_north_mps = in.getVelocityNorthMps();
    for (auto [value, field] : {std::pair{request.velocity_east_mps, "velocityEastMps"},
                                {request.velocity_north_mps, "velocityNorthMps"},
                                {request.lod_step_m, "lodStepM"}})
      if (auto ok = finite(value, field); !ok)
        return refuse(context, ok.error());
    return start_feed(context, stream_atom::value, request, params.getSink());
  }

  kj::Promise<void> subscribe(SubscribeContext context) override {
    auto params = context.getParams();
    subscribe_request request;
    request.centre = {params.getCentre().getLatDeg(), params.getCentre().getLngDeg()};
    request.radius_m = params.getRadiusM();
    return start_feed(context, subscribe_atom::value, request, params.getSink());
  }

  kj::Promise<void> voxel(VoxelContext context) override {
    auto target = need_target();
    auto at = context.getParams().getAt();
    const geo::position where{at.getLatDeg(), at.getLngDeg(), at.getAltM()};
    return ask<voxel_answer>(conn_.server.bridge, conn_.server.timeout, target->router,
                             voxel_atom::value, where)
        .then([context](base::result<voxel_answer> a) mutable {
          auto out = context.getResults().initAnswer();
          if (!a) {
            fill(out.initError(), a.error());
            return;
          }
          auto v = out.initVoxel();
          v.setFace(static_cast<std::uint8_t>(a->voxel.face));
          v.setI(a->voxel.i);
          v.setJ(a->voxel.j);
          v.setK(a->voxel.k);
          out.setMaterial(a->material);
          out.setMaterialName(material_name(a->material));
          out.setHistory(a->history);
          out.setVersion(a->version);
          out.setTick(a->tick);
        });
  }

  kj::Promise<void> column(ColumnContext context) override {
    auto target = need_target();
    auto at = context.getParams().getAt();
    const geo::lat_lng where{at.getLatDeg(), at.getLngDeg()};
    return ask<column_answer>(conn_.server.bridge, conn_.server.timeout, target->router,
                              column_atom::value, where)
        .then([context](base::result<column_answer> a) mutable {
          auto out = context.getResults().initAnswer();
          if (!a) {
            fill(out.initError(), a.error());
            return;
          }
          auto layers = out.initLayers(static_cast<unsigned>(a->layers.size()));
          for (unsigned n = 0; n < a->layers.size(); ++n) {
            const column_layer& l = a->layers[n];
            layers[n].setMaterial(l.material);
            layers[n].setMaterialName(material_name(l.material));
            layers[n].setHistory(l.history);
            layers[n].setBottomM(l.bottom_m);
            layers[n].setTopM(l.top_m);
          }
          out.setVersion(a->version);
          out.setTick(a->tick);
        });
  }

  kj::Promise<void> regionStats(RegionStatsContext context) override {
    auto target = need_target();
    const std::uint64_t region = context.getParams().getRegion();
    return ask<region_summary>(conn_.server.bridge, conn_.server.timeout, target->router,
                               stats_atom::value, region)
        .then([context, region](base::result<region_summary> s) mutable {
          auto out = context.getResults().initStats();
          out.setRegion(region);
          if (!s) {
            fill(out.initError(), s.error());
            return;
          }
          out.setVersion(s->version);
          out.setTick(s->tick);
          out.setUpdates(s->updates);
          out.setNode(s->node);
          out.setEpoch(s->epoch);
        });
  }

  kj::Promise<void> shardMap(ShardMapContext context) override {
    auto target = need_target();
    return ask<map_view>(conn_.server.bridge, conn_.server.timeout, target->shard_map,
                         map_atom::value)
        .then([context](base::result<map_view> view) mutable {
          if (!view)
            throw call_failure(view.error());
          fill_map(context.getResults().initMap(), *view);
        });
  }

  kj::Promise<void> drain(DrainContext context) override {
    auto target = need_target();
    return ask<map_view>(conn_.server.bridge, conn_.server.timeout, target->shard_map,
                         drain_atom::value, shard::node_id{context.getParams().getNode()})
        .then([context](base::result<map_view> view) mutable {
          if (!view)
            fill(context.getResults().initError(), view.error());
          else
            fill_map(context.getResults().initMap(), *view);
        });
  }

  kj::Promise<void> move(MoveContext context) override {
    auto target = need_target();
    auto params = context.getParams();
    const auto timeout = std::chrono::milliseconds(conn_.server.settings.cluster.move_timeout_ms);
    return ask<map_view>(conn_.server.bridge, timeout, target->shard_map, move_atom::value,
                         std::uint64_t{params.getFirst()}, std::uint64_t{params.getLast()},
                         shard::node_id{params.getNode()})
        .then([context](base::result<map_view> view) mutable {
          if (!view)
            fill(context.getResults().initError(), view.error());
          else
            fill_map(context.getResults().initMap(), *view);
        });
  }

  kj::Promise<void> stats(StatsContext context) override {
    need_target();
    gateway_backend& backend = conn_.server.backend;
    return conn_.server.off_loop<server_stats>([&backend] { return backend.stats(); })
        .then([context](base::result<server_stats> s) mutable {
          if (!s)
            throw call_failure(s.error());
          fill_server_stats(context.getResults().initStats(), *s);
        });
  }

  kj::Promise<void> create(CreateContext context) override {
    auto params = context.getParams();
    const std::string spec_bytes = copy_bytes(params.getSpec());
    auto spec = geo::parse_world_spec(spec_bytes);
    if (!spec) {
      fill(context.getResults().initError(), spec.error());
      return kj::READY_NOW;
    }
    const auto generator = params.getGenerator();
    std::string record(reinterpret_cast<const char*>(generator.begin()), generator.size());
    gateway_backend& backend = conn_.server.backend;
    return conn_.server
        .off_loop<bool>(
            [&backend, spec = *spec, record = std::move(record)]() -> base::result<bool> {
              if (auto made = backend.create(spec, record); !made)
                return made.error();
              return true;
            })
        .then([this, context](base::result<bool> made) mutable {
          if (!made)
            fill(context.getResults().initError(), made.error());
          fill_info(context.getResults().initInfo());
        });
  }

 private:
  std::shared_ptr<const gateway_target> need_target() {
    auto target = conn_.server.backend.target();
    if (!target)
      throw call_failure(no_world());
    return target;
  }

  void fill_info(schema::ServerInfo::Builder out) {
    const gateway::impl& g = conn_.server;
    out.setVersion(base::strata_version);
    out.setSchemaVersion(schema::SCHEMA_VERSION);
    auto limits = out.initLimits();
    limits.setMessageBytesMax(g.settings.gateway.message_bytes_max);
    limits.setBatchUpdatesMax(static_cast<std::uint32_t>(g.settings.gateway.batch_updates_max));
    limits.setStreamRadiusMMax(static_cast<double>(g.settings.stream.radius_m_max));
    limits.setStreamChunksMax(g.settings.stream.chunks_max);
    limits.setStreamsPerClientMax(
        static_cast<std::uint32_t>(g.settings.gateway.streams_per_client_max));
    auto target = g.backend.target();
    out.setHasWorld(target != nullptr);
    if (!target)
      return;
    fill_spec(out.initWorld(), target->spec);
    out.setGenerator(kj::arrayPtr(reinterpret_cast<const kj::byte*>(target->generator.data()),
                                  target->generator.size()));
  }

  // The shard map as Strata.shardMap answers it.
  static void fill_map(schema::ShardMap::Builder out, const map_view& view) {
    out.setVersion(view.map.version);
    auto ranges = out.initRanges(static_cast<unsigned>(view.map.ranges.size()));
    for (unsigned n = 0; n < view.map.ranges.size(); ++n) {
      const shard::shard_range& r = view.map.ranges[n];
      ranges[n].setFirst(r.first);
      ranges[n].setLast(r.last);
      ranges[n].setNode(r.node);
      ranges[n].setEpoch(r.epoch);
      for (const range_load_view& l : view.loads)
        if (l.first == r.first) {
          ranges[n].setUpdatesPerS(l.updates_per_s);
          ranges[n].setReadsPerS(l.reads_per_s);
        }
    }
    auto nodes = out.initNodes(static_cast<unsigned>(view.nodes.size()));
    for (unsigned n = 0; n < view.nodes.size(); ++n) {
      const node_entry& e = view.nodes[n];
      nodes[n].setId(e.id);
      nodes[n].setState(e.state);
      nodes[n].setStoredBytes(e.stored_bytes);
      nodes[n].setUpdatesPerS(e.updates_per_s);
      nodes[n].setReadsPerS(e.reads_per_s);
      nodes[n].setAddress(e.address);
    }
    auto moves = out.initMoves(static_cast<unsigned>(view.moves.size()));
    for (unsigned n = 0; n < view.moves.size(); ++n) {
      const move_view& m = view.moves[n];
      moves[n].setFirst(m.first);
      moves[n].setLast(m.last);
      moves[n].setFrom(m.from);
      moves[n].setTo(m.to);
      moves[n].setReason(m.reason);
    }
  }

  static void fill_server_stats(schema::ServerStats::Builder out, const server_stats& s) {
    out.setRegions(s.census.regions);
    out.setChunks(s.census.chunks);
    out.setChunkBytes(s.census.chunk_bytes);
    out.setDiskBytes(s.disk_bytes);
    out.setRawBytes(s.census.chunks * 2 * geo::chunk_edge * geo::chunk_edge * geo::chunk_edge);
    auto lods = out.initChunksPerLod(static_cast<unsigned>(s.census.chunks_per_lod.size()));
    for (unsigned n = 0; n < s.census.chunks_per_lod.size(); ++n)
      lods.set(n, s.census.chunks_per_lod[n]);
    unsigned used = 0;
    for (std::uint64_t c : s.census.codec_chunks)
      used += c > 0;
    auto codecs = out.initCodecs(used);
    unsigned at = 0;
    for (unsigned id = 0; id < s.census.codec_chunks.size(); ++id)
      if (s.census.codec_chunks[id] > 0) {
        codecs[at].setCodec(std::string(compression::name(static_cast<compression::codec_id>(id))));
        codecs[at].setChunks(s.census.codec_chunks[id]);
        codecs[at].setBytes(s.census.codec_bytes[id]);
        ++at;
      }
    out.setUpdatesApplied(s.counters.updates_applied);
    out.setUpdatesDuplicate(s.counters.updates_duplicate);
    out.setUpdatesFailed(s.counters.updates_failed);
    out.setCommits(s.counters.commits);
    out.setDirtyChunks(s.census.dirty);
    out.setRegionsActive(s.regions_active);
  }

  // Refuses a stream or feed at once: the error in the results, no handle.
  template <class Context>
  kj::Promise<void> refuse(Context& context, const base::error& e) {
    fill(context.getResults().initError(), e);
    return kj::READY_NOW;
  }

  // Starts a stream or feed: a sink fed by the router's producer, pumped into `sink`.
  template <class Context, class Atom, class Request>
  kj::Promise<void> start_feed(Context& context, Atom atom, Request request,
                               schema::ChunkSink::Client sink) {
    auto target = conn_.server.backend.target();
    if (!target)
      return refuse(context, no_world());
    if (auto ok = finite(request.centre.lat_deg, "centre.latDeg"); !ok)
      return refuse(context, ok.error());
    if (auto ok = finite(request.centre.lng_deg, "centre.lngDeg"); !ok)
      return refuse(context, ok.error());
    const std::uint64_t limit = conn_.server.settings.gateway.streams_per_client_max;
    if (conn_.streams >= limit)
      return refuse(context, {base::errc::limit_exceeded,
                              "this connection runs " + std::to_string(conn_.streams) +
                                  " streams and feeds; gateway.streams_per_client_max is " +
                                  std::to_string(limit)});
    ++conn_.streams;
    auto f = std::make_shared<feed>();
    caf::actor sink_handle = spawn_sink(conn_.server.system, f);
    connection& conn = conn_;
    // The pump starts now: the producer's first chunks may arrive before its handle does.
    conn.tasks.add(pump::run(kj::heap<pump>(f, sink)).attach(kj::defer([&conn, sink_handle] {
      --conn.streams;
      close_sink(sink_handle);
    })));
    return ask<caf::actor>(conn.server.bridge, conn.server.timeout, target->router, atom, request,
                           sink_handle)
        .then([context, f, sink_handle](base::result<caf::actor> producer) mutable {
          if (!producer) {
            // Refused: the error goes in the results, and the pump ends without a word.
            feed_event stop;
            stop.what = feed_event::kind::stopped;
            f->push(std::move(stop));
            fill(context.getResults().initError(), producer.error());
            return;
          }
          companion_of(sink_handle)->monitor(*producer);
          context.getResults().setHandle(kj::heap<handle_impl>(sink_handle, *producer, f));
        });
  }

  connection& conn_;
};

class gate_impl final : public schema::Gate::Server {
 public:
  explicit gate_impl(connection& c) : conn_(c) {}

  kj::Promise<void> open(OpenContext context) override {
    const std::string& expected = conn_.server.settings.gateway.token;
    const auto given = context.getParams().getToken();
    if (!expected.empty()) {
      // Compared in a time that depends on the lengths only.
      unsigned char diff = given.size() == expected.size() ? 0 : 1;
      for (std::size_t n = 0; n < given.size() && n < expected.size(); ++n)
        diff |= static_cast<unsigned char>(given.begin()[n] ^ expected[n]);
      if (diff != 0) {
        fill(context.getResults().initError(),
             {base::errc::unauthenticated, given.size() == 0
                                               ? "the server wants a bearer token (--token)"
                                               : "the bearer token is wrong"});
        return kj::READY_NOW;
      }
    }
    context.getResults().setStrata(kj::heap<strata_impl>(conn_));
    return kj::READY_NOW;
  }

 private:
  connection& conn_;
};

connection::connection(gateway::impl& g, kj::Own<kj::AsyncIoStream>&& s,
                       capnp::ReaderOptions options)
    : server(g), stream(kj::mv(s)), network(*stream, capnp::rpc::twoparty::Side::SERVER, options) {
  ++server.connections;
  rpc = kj::heap<rpc_system>(
      capnp::makeRpcServer(network, capnp::Capability::Client(kj::heap<gate_impl>(*this))));
}

kj::Promise<void> accept_loop(gateway::impl& g, kj::ConnectionReceiver& listener,
                              kj::TaskSet& connections) {
  return listener.accept().then([&g, &listener, &connections](kj::Own<kj::AsyncIoStream>&& s) {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = g.settings.gateway.message_bytes_max / sizeof(capnp::word);
    auto conn = kj::heap<connection>(g, kj::mv(s), options);
    auto closed = conn->network.onDisconnect();
    connections.add(closed.attach(kj::mv(conn)));
    return accept_loop(g, listener, connections);
  });
}

// Splits "host:port"; an IPv6 host is written in brackets.
base::result<std::pair<std::string, std::uint16_t>> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    return base::fail(base::errc::invalid_argument,
                      "listen address \"" + address + "\" is not host:port");
  const std::string port_text = address.substr(colon + 1);
  char* end = nullptr;
  const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (*end != '\0' || port > 65535)
    return base::fail(base::errc::invalid_argument,
                      "listen address \"" + address + "\" has no port 0..65535");
  return std::pair{address.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace

void gateway::impl::run(std::promise<base::status>& started) {
  std::optional<kj::AsyncIoContext> io;
  kj::Own<kj::ConnectionReceiver> listener;
  kj::Promise<void> stop = nullptr;
  KJ_IF_MAYBE (failure, kj::runCatchingExceptions([&] {
                 io.emplace(kj::setupAsyncIo());
                 auto where = split_address(address);
                 if (!where) {
                   started.set_value(where.error());
                   return;
                 }
                 auto addr = io->provider->getNetwork()
                                 .parseAddress(where->first, where->second)
                                 .wait(io->waitScope);
                 listener = addr->listen();
                 port = static_cast<std::uint16_t>(listener->getPort());
                 address = where->first + ":" + std::to_string(port);
                 auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
                 stop = kj::mv(paf.promise);
                 std::lock_guard guard(lock);
                 stop_signal = std::make_shared<cross_fulfiller<void>>(kj::mv(paf.fulfiller));
               })) {
    started.set_value(base::fail(base::errc::io_error, "cannot listen on " + address + ": " +
                                                           failure->getDescription().cStr()));
    return;
  }
  if (!listener)
    return;
  started.set_value(base::status{});
  task_errors errors;
  {
    kj::TaskSet connections(errors);
    stop.exclusiveJoin(accept_loop(*this, *listener, connections)).wait(io->waitScope);
    // Leaving this scope drops every connection, which cancels their streams.
  }
  listener = nullptr;
}

gateway::gateway(std::unique_ptr<impl> self) : self_(std::move(self)) {}

base::result<std::unique_ptr<gateway>> gateway::start(caf::actor_system& system,
                                                      gateway_backend& backend,
                                                      const config::config& settings,
                                                      const std::string& listen) {
  auto self = std::make_unique<impl>(system, backend, settings);
  self->address = listen;
  self->bridge = system.spawn(bridge, 0);
  std::promise<base::status> started;
  auto ready = started.get_future();
  impl* raw = self.get();
  self->thread = std::thread([raw, &started] {
    pthread_setname_np(pthread_self(), "strata.gateway");
    raw->run(started);
  });
  auto status = ready.get();
  std::unique_ptr<gateway> g(new gateway(std::move(self)));
  if (!status)
    return status.error();  // the destructor joins the thread, which has returned
  return g;
}

gateway::~gateway() {
  stop();
}

const std::string& gateway::address() const {
  return self_->address;
}

std::uint16_t gateway::port() const {
  return self_->port;
}

std::size_t gateway::connections() const {
  return self_->connections;
}

void gateway::stop() {
  std::shared_ptr<cross_fulfiller<void>> signal;
  {
    std::lock_guard guard(self_->lock);
    if (self_->stopping)
      return;
    self_->stopping = true;
    signal = std::move(self_->stop_signal);
  }
  if (signal)
    (*signal)->fulfill();
  if (self_->thread.joinable())
    self_->thread.join();
  std::list<std::thread> workers;
  {
    std::lock_guard guard(self_->lock);
    workers.swap(self_->workers);
  }
  for (std::thread& t : workers)
    t.join();
  if (self_->bridge)
    caf::anon_send_exit(self_->bridge, caf::exit_reason::user_shutdown);
}

}  // namespace strata::actors
