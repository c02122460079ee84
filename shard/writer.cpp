#include "shard/writer.hpp"

#include <vector>

namespace strata::shard {

writer::writer(store& s, writer_options options, recompressor* wake)
    : store_(s), options_(options), wake_(wake), thread_([this] { run(); }) {}

writer::~writer() {
  stop();
}

base::status writer::submit(update_request update, std::uint64_t bytes, completion done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return base::fail(base::errc::unavailable, "the writer has stopped");
    if (queue_.size() >= options_.queue_updates_max)
      return base::fail(base::errc::overloaded, "the write queue holds " +
                                                    std::to_string(queue_.size()) +
                                                    " updates (storage.queue_updates_max)");
    queue_.push_back(
        pending{std::move(update), bytes, std::move(done), std::chrono::steady_clock::now()});
  }
  arrived_.notify_one();
  return {};
}

void writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  arrived_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

std::uint64_t writer::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::uint64_t writer::updates() const {
  std::lock_guard lock(mutex_);
  return updates_;
}

void writer::run() {
  std::vector<pending> batch;
  std::vector<update_request> requests;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(mutex_);
      arrived_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return;  // stopping, and everything submitted is done
      // Wait for company until the first update's delay is up or the batch is full.
      const auto deadline = queue_.front().arrived + options_.batch_delay;
      auto full = [this] {
        std::uint64_t bytes = 0;
        std::size_t n = 0;
        for (const pending& p : queue_) {
          bytes += p.bytes;
          if (++n >= options_.batch_updates_max || bytes >= options_.batch_bytes_max)
            return true;
        }
        return false;
      };
      arrived_.wait_until(lock, deadline, [&] { return stopping_ || full(); });
      std::uint64_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.batch_updates_max &&
             (batch.empty() || bytes + queue_.front().bytes <= options_.batch_bytes_max)) {
        bytes += queue_.front().bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    requests.clear();
    for (pending& p : batch)
      requests.push_back(std::move(p.update));
    std::vector<update_ack> acks = store_.apply_batch(requests);
    {
      // Counted before the completions run, so a caller woken by one sees its commit counted.
      std::lock_guard lock(mutex_);
      ++commits_;
      updates_ += batch.size();
    }
    bool changed = false;
    for (std::size_t n = 0; n < batch.size(); ++n) {
      changed = changed || !acks[n].changed.empty();
      if (batch[n].done)
        batch[n].done(std::move(acks[n]));
    }
    if (changed && wake_)
      wake_->wake();
  }
}

recompressor::recompressor(store& s, recompressor_options options)
    : store_(s), options_(options), thread_([this] { run(); }) {}

recompressor::~recompressor() {
  stop();
}

void recompressor::wake() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  woken_.notify_one();
}

void recompressor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  woken_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

base::status recompressor::drain() {
  for (;;) {
    auto handled = store_.recompress(options_.slice_chunks);
    if (!handled)
      return handled.error();
    if (*handled == 0)
      return {};
  }
}

std::uint64_t recompressor::slices() const {
  std::lock_guard lock(mutex_);
  return slices_;
}

std::optional<base::error> recompressor::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void recompressor::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      woken_.wait_for(lock, options_.idle, [this] { return stopping_ || pending_; });
      if (stopping_)
        return;
      pending_ = false;
    }
    // Slices until nothing is dirty, checking for stop between them.
    for (;;) {
      auto handled = store_.recompress(options_.slice_chunks);
      std::lock_guard lock(mutex_);
      if (!handled) {
        last_error_ = handled.error();
        break;
      }
      if (*handled == 0 || stopping_)
        break;
      ++slices_;
    }
  }
}

}  // namespace strata::shard
