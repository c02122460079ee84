#include "actors/services.hpp"

namespace strata::actors {

base::status manual_commits::submit(shard::update_request update, std::uint64_t,
                                    shard::writer::completion done) {
  if (queue_.size() >= capacity)
    return base::fail(
        base::errc::overloaded,
        "the commit queue holds " + std::to_string(queue_.size()) + " updates, its capacity");
  queue_.emplace_back(std::move(update), std::move(done));
  return {};
}

std::size_t manual_commits::run() {
  auto queued = std::move(queue_);
  queue_.clear();
  std::vector<shard::update_request> batch;
  for (auto& [request, done] : queued)
    batch.push_back(std::move(request));
  auto acks = store_.apply_batch(batch);
  for (std::size_t n = 0; n < queued.size(); ++n)
    queued[n].second(std::move(acks[n]));
  return queued.size();
}

void live_actors::track(const caf::strong_actor_ptr& actor) {
  {
    std::lock_guard guard(lock_);
    ++live_;
  }
  actor->get()->attach_functor([this] {
    std::lock_guard guard(lock_);
    if (--live_ == 0)
      none_.notify_all();
  });
}

void live_actors::wait_for_none() {
  std::unique_lock guard(lock_);
  none_.wait(guard, [this] { return live_ == 0; });
}

}  // namespace strata::actors
