// What a node's actors stand on: the store, the world, the group commit, and their settings.
//
// Blocking I/O never runs on the scheduler's threads (DESIGN.md §5): commits run on the writer's
// thread (commit_queue), and chunk reads in reader actors that the node spawns detached, each on
// a thread of its own (actors/reader.hpp). A completion never touches actor state: it sends a
// message back to the actor that asked (caf::anon_send is safe from any thread).
//
// For tests on CAF's deterministic scheduler, manual_commits commits only when told, on the
// caller's thread, and `detached_readers = false` runs the readers on the scheduler, so the test
// decides every interleaving.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include <caf/all.hpp>

#include "base/result.hpp"
#include "config/config.hpp"
#include "geology/materials.hpp"
#include "geology/processes.hpp"
#include "geology/update.hpp"
#include "shard/store.hpp"
#include "shard/world.hpp"
#include "shard/writer.hpp"

namespace strata::actors {

class commit_queue {
 public:
  virtual ~commit_queue() = default;
  /// Queues an update; `done` runs once its transaction committed or failed. Errors:
  /// errc::overloaded when the queue is full, errc::unavailable when it is stopping.
  virtual base::status submit(shard::update_request update, std::uint64_t bytes,
                              shard::writer::completion done) = 0;
};

/// The production commit queue: a shard::writer (its thread commits).
class writer_commits final : public commit_queue {
 public:
  explicit writer_commits(shard::writer& w) : writer_(w) {}
  base::status submit(shard::update_request update, std::uint64_t bytes,
                      shard::writer::completion done) override {
    return writer_.submit(std::move(update), bytes, std::move(done));
  }

 private:
  shard::writer& writer_;
};

/// Commits only when run() is called, all queued updates in one batch, on the caller's thread.
class manual_commits final : public commit_queue {
 public:
  explicit manual_commits(shard::store& s) : store_(s) {}
  base::status submit(shard::update_request update, std::uint64_t bytes,
                      shard::writer::completion done) override;
  /// Commits what is queued; returns how many updates it handled.
  std::size_t run();
  std::size_t queued() const { return queue_.size(); }
  /// Past this many queued updates, submit() answers overloaded (as the writer's queue does).
  std::size_t capacity = 1 << 20;

 private:
  shard::store& store_;
  std::vector<std::pair<shard::update_request, shard::writer::completion>> queue_;
};

/// The actors a node spawned that use its services (readers, the mover, region actors): whoever
/// owns the services waits for the last of them to stop before freeing what they use. Stopping
/// the node stops them, but after it, each once its message in hand is handled.
class live_actors {
 public:
  /// Counts `actor` until it stops (at once when it already has).
  void track(const caf::strong_actor_ptr& actor);
  /// Returns once every tracked actor stopped.
  void wait_for_none();

 private:
  std::mutex lock_;
  std::condition_variable none_;
  std::size_t live_ = 0;
};

/// A node's world and storage, shared by its actors. Everything referred to outlives them.
struct node_services {
  node_services(shard::store& s, const shard::world& w, const geology::material_table& m,
                commit_queue& c, config::config cfg)
      : store(s),
        world(w),
        materials(m),
        commits(c),
        settings(std::move(cfg)),
        context{w.grid, m, w.record.params.sea_level_m} {}

  shard::store& store;
  const shard::world& world;
  const geology::material_table& materials;
  commit_queue& commits;
  config::config settings;
  /// What operators run with; plans refer to it until they are applied.
  geology::process_context context;
  /// Reader actors run detached (a thread each); false runs them on the scheduler (tests).
  bool detached_readers = true;
  /// The node's own actors (its readers, mover and region actors) still running.
  mutable live_actors children;
};

}  // namespace strata::actors
