#include "compression/selector.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace strata::compression {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Learning rate of the running averages: recent channels count most, but one odd channel does not
// swing a bucket.
constexpr double learning_rate = 0.1;
// How much each earlier decode sample keeps of its weight when a new one arrives: the line is
// fitted over about the last 64 timings of a candidate.
constexpr double decode_memory = 1 - 1.0 / 64;
// A tuned weight: the sample holds up to this many timed channels, drawn uniformly from all so
// far (reservoir sampling), so that the weight answers for the whole stream, not its latest
// stretch (a world's chunks come region by region, and regions differ). The weight is first
// tuned once this many channels were timed.
constexpr std::size_t sample_capacity = 512;
constexpr std::size_t sample_least = 16;
// The zstd level the decode target is relative to.
constexpr int tuning_reference_level = 3;

// Buckets: distinct values (1, 2, 3-4, 5-16, more) x layers per column (<=1.5, <=3, <=6, more)
// x dominant share (>=0.99, >=0.9, >=0.5, less).
constexpr std::size_t bucket_count = 5 * 4 * 4;

}  // namespace

const std::array<candidate, candidate_count>& candidates() {
  static const std::array<candidate, candidate_count> all = {{
      {codec_id::uniform},
      {codec_id::run_length},
      {codec_id::palette},
      {codec_id::octree},
      {codec_id::column_layers},
      {codec_id::predicted_layers},
      {codec_id::context_layers},
      {codec_id::ordered_surfaces},
      {codec_id::zstd},
      {codec_id::zstd_transform, codec_id::run_length},
      {codec_id::zstd_transform, codec_id::palette},
      {codec_id::zstd_transform, codec_id::octree},
      {codec_id::zstd_transform, codec_id::column_layers},
      {codec_id::zstd_transform, codec_id::predicted_layers},
      {codec_id::zstd_transform, codec_id::walk_raw},
      {codec_id::zstd_transform, codec_id::surface_bytes},
  }};
  return all;
}

std::size_t index_of(const candidate& c) {
  const auto& all = candidates();
  const auto found = std::find(all.begin(), all.end(), c);
  STRATA_ASSERT(found != all.end(), "every chosen codec is a candidate");
  return static_cast<std::size_t>(found - all.begin());
}

std::string candidate_name(const candidate& c) {
  std::string text(name(c.id));
  if (c.id == codec_id::zstd_transform)
    text += "/" + std::string(name(c.inner));
  return text;
}

void decode_model::learn(double bytes, double ns) {
  weight_ = weight_ * decode_memory + 1;
  x_ = x_ * decode_memory + bytes;
  y_ = y_ * decode_memory + ns;
  xx_ = xx_ * decode_memory + bytes * bytes;
  xy_ = xy_ * decode_memory + bytes * ns;
  ++samples_;
}

double decode_model::predict(double bytes) const {
  if (samples_ == 0)
    return 0;
  const double mean_x = x_ / weight_, mean_y = y_ / weight_;
  const double variance = xx_ / weight_ - mean_x * mean_x;
  // Payloads of (nearly) one size say nothing of the slope: then the prediction is the mean.
  // A slope below zero is noise (reading more is never faster): then it is flat too.
  const double slope =
      variance > 1 ? std::max(0.0, (xy_ / weight_ - mean_x * mean_y) / variance) : 0.0;
  return std::max(0.0, mean_y + slope * (bytes - mean_x));
}

selector::selector(selector_policy policy)
    : policy_(policy), tuning_(std::make_shared<tuning>()), buckets_(bucket_count) {
  STRATA_ASSERT(policy_.verify >= 1 && policy_.verify <= static_cast<int>(candidate_count),
                "verify is 1..candidate_count");
  STRATA_ASSERT(policy_.decode_target >= 0, "a decode target is not negative");
  tuning_->weight = policy_.decode_weight;
  if (policy_.target == selector_policy::goal::balanced && policy_.decode_target > 0)
    tuning_->weight = std::clamp(tuning_->weight, selector_policy::tuned_weight_min,
                                 selector_policy::tuned_weight_max);
  report_.decode_weight = policy_.target == selector_policy::goal::balanced ? tuning_->weight : 0;
}

void selector::share_tuning(const selector& other) {
  tuning_ = other.tuning_;
}

std::size_t selector::bucket_of(const analysis& a) {
  const std::size_t distinct = a.distinct <= 1    ? 0
                               : a.distinct == 2  ? 1
                               : a.distinct <= 4  ? 2
                               : a.distinct <= 16 ? 3
                                                  : 4;
  const std::size_t layers = a.layers_per_column <= 1.5 ? 0
                             : a.layers_per_column <= 3 ? 1
                             : a.layers_per_column <= 6 ? 2
                                                        : 3;
  const std::size_t share = a.dominant_share >= 0.99  ? 0
                            : a.dominant_share >= 0.9 ? 1
                            : a.dominant_share >= 0.5 ? 2
                                                      : 3;
  return (distinct * 4 + layers) * 4 + share;
}

bool selector::within_budget(std::size_t index, double bytes) const {
  if (policy_.target != selector_policy::goal::smallest_within_decode_budget)
    return true;
  // A candidate never timed is given the benefit of the doubt once.
  const decode_model& m = decode_[index];
  return m.samples() == 0 || m.predict(bytes) <= policy_.decode_budget_ns;
}

double selector::cost(std::size_t index, double bytes) const {
  const decode_model& m = decode_[index];
  if (policy_.target != selector_policy::goal::balanced || m.samples() == 0)
    return bytes;
  return bytes + tuning_->weight * m.predict(bytes) / 1000;
}

selector_policy selector_policy::balanced_default() {
  selector_policy policy;
  policy.target = goal::balanced;
  policy.decode_weight = balanced_decode_weight;
  policy.decode_target = balanced_decode_target;
  return policy;
}

bool encode_candidate(const candidate& c, channel_view in, int zstd_level, std::string& out) {
  if (c.id == codec_id::zstd_transform)
    return encode_zstd_transform(in, c.inner, zstd_level, out);
  return encode_with(c.id, in, zstd_level, out);
}

bool selector::encode(std::size_t index, channel_view in, std::string& out) const {
  return encode_candidate(candidates()[index], in, policy_.zstd_level, out);
}

void selector::learn_size(bucket& b, const analysis& a, std::size_t index, std::size_t bytes) {
  const candidate& c = candidates()[index];
  const double measured_over_estimate =
      static_cast<double>(bytes) / estimate_bytes(a, c.id, c.inner);
  b.size_factor[index] += learning_rate * (measured_over_estimate - b.size_factor[index]);
}

double selector::time_decode(codec_id id, const std::string& payload) {
  channel decoded;
  double ns = 0;
  for (int run = 0; run < 2; ++run) {
    const auto start = clock_type::now();
    const auto status = decode_with(id, payload, decoded);
    const double took = seconds_since(start) * 1e9;
    STRATA_ASSERT(status.ok(), "a payload the selector just encoded decodes");
    ns = run == 0 ? took : std::min(ns, took);
  }
  return ns;
}

double selector::learn_decode(std::size_t index, const std::string& payload) {
  const double ns = time_decode(candidates()[index].id, payload);
  decode_[index].learn(static_cast<double>(payload.size()), ns);
  return ns;
}

void selector::timed_channel::add(double bytes, double ns) {
  option[options++] = {static_cast<float>(bytes), static_cast<float>(ns)};
}

double selector::tuning::ratio_at(double w) const {
  double picks = 0, reference = 0;
  for (const timed_channel& t : sample) {
    double best_cost = 0, best_ns = 0;
    for (std::uint8_t n = 0; n < t.options; ++n) {
      const double c = t.option[n][0] + w * t.option[n][1] / 1000;
      if (n == 0 || c < best_cost) {
        best_cost = c;
        best_ns = t.option[n][1];
      }
    }
    picks += best_ns;
    reference += t.reference_ns;
  }
  return reference > 0 ? picks / reference : 0;
}

void selector::tuning::add(const timed_channel& timed, double target) {
  ++seen;
  if (sample.size() < sample_capacity) {
    sample.push_back(timed);
  } else {
    // Keep this channel with probability capacity / seen, in place of a random one.
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::uint64_t slot = (random >> 11) % seen;
    if (slot < sample_capacity)
      sample[slot] = timed;
  }
  if (sample.size() >= sample_least) {
    // A larger weight never picks a slower option on a channel: the ratio falls as the weight
    // grows, and the least weight that meets the target is found by bisection (in log space:
    // weights matter by their ratios).
    double low = selector_policy::tuned_weight_min, high = selector_policy::tuned_weight_max;
    if (ratio_at(low) <= target) {
      weight = low;
    } else if (ratio_at(high) > target) {
      weight = high;
    } else {
      for (int step = 0; step < 16; ++step) {
        const double middle = std::sqrt(low * high);
        (ratio_at(middle) <= target ? high : low) = middle;
      }
      weight = high;
    }
  }
  ratio = ratio_at(weight);
}

void selector::tune_weight(channel_view in, timed_channel& timed) {
  std::string reference;
  encode_with(codec_id::zstd, in, tuning_reference_level, reference);
  timed.reference_ns = static_cast<float>(time_decode(codec_id::zstd, reference));
  tuning_->add(timed, policy_.decode_target);
}

selection selector::choose(channel_view in) {
  const auto start = clock_type::now();
  const analysis a = analyze(in);
  bucket& b = buckets_[bucket_of(a)];
  selection best;
  const bool balanced = policy_.target == selector_policy::goal::balanced;
  const bool time_now =
      policy_.time_decode_every > 0 && report_.channels % policy_.time_decode_every == 0;
  const bool tune_now = balanced && policy_.decode_target > 0 && time_now;
  timed_channel timed;
  if (a.distinct == 1) {
    best.chosen = {codec_id::uniform};
    encode_uniform(in, best.payload);
    if (tune_now)
      timed.add(static_cast<double>(best.payload.size()),
                time_decode(codec_id::uniform, best.payload));
  } else {
    // Rank by learned estimate; verify the top `verify` that fit the budget.
    std::array<std::size_t, candidate_count> order{};
    std::iota(order.begin(), order.end(), 0);
    std::array<double, candidate_count> predicted{}, predicted_bytes{};
    for (std::size_t n = 0; n < candidate_count; ++n) {
      const candidate& c = candidates()[n];
      predicted_bytes[n] = estimate_bytes(a, c.id, c.inner) * b.size_factor[n];
      predicted[n] = cost(n, predicted_bytes[n]);
    }
    std::sort(order.begin(), order.end(),
              [&predicted](std::size_t x, std::size_t y) { return predicted[x] < predicted[y]; });
    int verified = 0;
    std::size_t best_index = candidate_count;
    double best_cost = 0;
    for (std::size_t n : order) {
      if (verified == policy_.verify)
        break;
      if (candidates()[n].id == codec_id::uniform || !within_budget(n, predicted_bytes[n]))
        continue;
      std::string payload;
      if (!encode(n, in, payload))
        continue;
      learn_size(b, a, n, payload.size());
      const auto bytes = static_cast<double>(payload.size());
      if (!within_budget(n, bytes))
        continue;
      ++verified;
      if (balanced && (time_now || decode_[n].samples() < decode_model::settled)) {
        const double ns = learn_decode(n, payload);
        if (tune_now)
          timed.add(bytes, ns);
      }
      const double c = cost(n, bytes);
      if (best_index == candidate_count || c < best_cost) {
        best_index = n;
        best_cost = c;
        best.chosen = candidates()[n];
        best.payload = std::move(payload);
      }
    }
    if (best_index == candidate_count) {
      // Nothing fit the budget: run-length always applies and decodes fast.
      best.chosen = {codec_id::run_length};
      encode_with(codec_id::run_length, in, policy_.zstd_level, best.payload);
      best_index = index_of(best.chosen);
    }
    if (!balanced && time_now)
      learn_decode(best_index, best.payload);
  }
  if (tune_now && timed.options > 0)
    tune_weight(in, timed);
  if (balanced) {
    report_.decode_weight = tuning_->weight;
    report_.decode_ratio = tuning_->ratio;
    report_.decode_ratio_timings = tuning_->seen;
  }
  const double spent = seconds_since(start);
  report_.choose_seconds += spent;
  ++report_.channels;
  ++report_.mix[index_of(best.chosen)];

  if (policy_.audit_every > 0 && report_.channels % policy_.audit_every == 0) {
    const auto audit_start = clock_type::now();
    const selection truth = search_all(in, &a);
    audit_exhaustive_seconds_ += seconds_since(audit_start);
    audit_choose_seconds_ += spent;
    ++report_.audits;
    // Within 1 % of the best counts as a hit: a byte or two is a tie, not a wrong pick.
    const double chosen_cost =
        cost(index_of(best.chosen), static_cast<double>(best.payload.size()));
    const double best_cost =
        cost(index_of(truth.chosen), static_cast<double>(truth.payload.size()));
    report_.audit_best += chosen_cost * 100 <= best_cost * 101;
    audit_chosen_bytes_ += best.payload.size();
    audit_best_bytes_ += truth.payload.size();
    report_.audit_bytes_ratio =
        static_cast<double>(audit_chosen_bytes_) / static_cast<double>(audit_best_bytes_);
    report_.exhaustive_seconds_estimate =
        audit_choose_seconds_ > 0
            ? report_.choose_seconds * audit_exhaustive_seconds_ / audit_choose_seconds_
            : 0;
  }
  return best;
}

selection selector::exhaustive(channel_view in) {
  return search_all(in, nullptr);
}

selection selector::search_all(channel_view in, const analysis* learn_from) {
  const analysis a = learn_from ? *learn_from : analyze(in);
  bucket& b = buckets_[bucket_of(a)];
  const bool balanced = policy_.target == selector_policy::goal::balanced;
  selection best;
  double best_cost = 0;
  bool found = false;
  for (std::size_t n = 0; n < candidate_count; ++n) {
    std::string payload;
    if (!encode(n, in, payload))
      continue;
    // An audit measures every candidate: learn from all of them. Balanced compares decode times,
    // so it times every candidate.
    if (learn_from && candidates()[n].id != codec_id::uniform)
      learn_size(b, a, n, payload.size());
    if (!within_budget(n, static_cast<double>(payload.size())))
      continue;
    if (balanced && candidates()[n].id != codec_id::uniform)
      learn_decode(n, payload);
    const double c = cost(n, static_cast<double>(payload.size()));
    if (!found || c < best_cost) {
      found = true;
      best_cost = c;
      best.chosen = candidates()[n];
      best.payload = std::move(payload);
    }
  }
  if (!found) {
    best.chosen = {codec_id::run_length};
    encode_with(codec_id::run_length, in, policy_.zstd_level, best.payload);
  }
  return best;
}

void encode_selected(const chunk& c, selector& material, selector& history, std::string& out) {
  const selection m = material.choose(c.material);
  const selection h = history.choose(c.history);
  write_chunk(c, m.chosen.id, m.payload, h.chosen.id, h.payload, out);
}

}  // namespace strata::compression
