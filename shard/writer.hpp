// The group-commit writer and the background recompressor (DESIGN.md §4).
//
// writer: callers submit updates from any thread; one thread gathers them into batches and
// applies each batch in one LMDB write transaction (store::apply_batch). A batch closes when it
// holds batch_updates_max updates or batch_bytes_max bytes, or when its first update has waited
// batch_delay: under load, commits carry many updates (one fsync for all); when idle, an update
// waits at most batch_delay. Each update's completion runs on the writer thread after its
// transaction has committed (or failed), never before: an acknowledged update is durable.
// Past queue_updates_max waiting updates, submit() refuses with errc::overloaded.
//
// recompressor: one thread that re-encodes dirty chunks with the selector and rebuilds their LOD
// parents, slice_chunks at a time, each slice its own short write transaction, so writers wait at
// most one slice. It sleeps while nothing is dirty; the writer wakes it after commits.
//
// Both stop in their destructors: the writer finishes what was submitted first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "base/result.hpp"
#include "shard/store.hpp"

namespace strata::shard {

struct writer_options {
  /// Updates per transaction at most.
  std::uint32_t batch_updates_max = 1024;
  /// Bytes of updates (as the caller counts them) per transaction at most.
  std::uint64_t batch_bytes_max = std::uint64_t{8} << 20;
  /// How long a batch's first update waits for company.
  std::chrono::microseconds batch_delay{1000};
  /// Updates waiting at most; past it, submit() answers errc::overloaded.
  std::uint64_t queue_updates_max = 65536;
};

class recompressor;

class writer {
 public:
  using completion = std::function<void(update_ack ack)>;

  /// `wake` (may be null) is told after every commit that changed chunks.
  writer(store& s, writer_options options, recompressor* wake = nullptr);
  ~writer();
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  /// Queues an update; `done` runs once it has committed or failed. `bytes` is its size for the
  /// batch bound. errc::overloaded when the queue is full, errc::unavailable after stop().
  base::status submit(update_request update, std::uint64_t bytes, completion done);
  /// Applies what was submitted, then stops the thread. Later submits are refused.
  void stop();

  /// Commits so far, and updates per commit on average (for tests and metrics).
  std::uint64_t commits() const;
  std::uint64_t updates() const;

 private:
  struct pending {
    update_request update;
    std::uint64_t bytes;
    completion done;
    std::chrono::steady_clock::time_point arrived;
  };
  void run();

  store& store_;
  writer_options options_;
  recompressor* wake_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  std::uint64_t commits_ = 0, updates_ = 0;
  std::thread thread_;
};

struct recompressor_options {
  /// Dirty chunks per write transaction.
  std::size_t slice_chunks = 16;
  /// How long to sleep when nothing is dirty before looking again (a wake() ends it early).
  std::chrono::milliseconds idle{200};
};

class recompressor {
 public:
  recompressor(store& s, recompressor_options options);
  ~recompressor();
  recompressor(const recompressor&) = delete;
  recompressor& operator=(const recompressor&) = delete;

  /// There may be dirty chunks: look now.
  void wake();
  /// Stops the thread after the current slice.
  void stop();
  /// Runs slices until nothing is dirty (on the caller's thread; for tests and shutdown).
  base::status drain();

  std::uint64_t slices() const;
  /// The last error a slice returned, if any (the thread logs it and goes on).
  std::optional<base::error> last_error() const;

 private:
  void run();

  store& store_;
  recompressor_options options_;
  mutable std::mutex mutex_;
  std::condition_variable woken_;
  bool stopping_ = false;
  bool pending_ = true;
  std::uint64_t slices_ = 0;
  std::optional<base::error> last_error_;
  std::thread thread_;
};

}  // namespace strata::shard
