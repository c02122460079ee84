// The hybrid selector (DESIGN.md §3): picks each channel's codec.
//
// For each channel it analyses the content (compression/analysis.hpp), ranks the candidates by
// estimated size corrected by what it has learned, encodes the top few, and keeps the smallest
// (or the smallest whose predicted decode time fits a budget, or the one with the least bytes plus
// weighted decode time: balanced, which the store uses, with a weight it tunes against a decode
// target relative to zstd). It learns online: per feature bucket
// (distinct values x layers per column x dominant share), the ratio of measured to estimated size
// of every candidate it encodes; per candidate, the time its payloads take to decode as a line in
// their size (a codec's decode time grows with what it reads: a range coder's decisions, zstd's
// sequences), which predicts a payload's decode time from its size. Every `audit_every`
// channels it also encodes every candidate (exhaustive search) to measure how often its pick is
// the true best and how much CPU it saves; report() has both.
//
// A selector is not thread-safe: use one per thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compression/analysis.hpp"
#include "compression/format.hpp"

namespace strata::compression {

/// A codec, and for zstd_transform the transform under it.
struct candidate {
  codec_id id = codec_id::run_length;
  codec_id inner = codec_id::column_layers;
  friend bool operator==(const candidate&, const candidate&) = default;
};

/// Every candidate the selector considers: uniform, run_length, palette, octree, column_layers,
/// predicted_layers, context_layers, ordered_surfaces, zstd, and zstd over each of the five
/// transforms, over walk_raw and over surface_bytes.
inline constexpr std::size_t candidate_count = 16;
const std::array<candidate, candidate_count>& candidates();
/// Encodes a channel with a candidate (zstd at `zstd_level`); false when it does not apply.
bool encode_candidate(const candidate& c, channel_view in, int zstd_level, std::string& out);
/// The position of a candidate in candidates().
std::size_t index_of(const candidate& c);
/// "zstd_transform/column_layers", "palette", ...
std::string candidate_name(const candidate& c);

/// Where the balanced policy strata stores chunks with starts its weight
/// (selector_policy::decode_weight).
inline constexpr double balanced_decode_weight = 12.0;
/// The decode target of that policy (selector_policy::decode_target): picks that decode in this
/// fraction of zstd-3's time on the same channels.
inline constexpr double balanced_decode_target = 0.6;

struct selector_policy {
  enum class goal : std::uint8_t {
    smallest,                       // the smallest payload
    smallest_within_decode_budget,  // the smallest whose predicted decode time fits the budget
    balanced,  // the least bytes + decode_weight x predicted decode microseconds
  };
  goal target = goal::smallest;
  /// Per channel, for smallest_within_decode_budget.
  double decode_budget_ns = 0;
  /// For balanced: how many stored bytes one microsecond of decoding is worth. 0 is smallest;
  /// the larger, the more bytes a faster codec may cost. With a decode_target, where the weight
  /// starts.
  double decode_weight = 0;
  /// For balanced: when above 0, the selector tunes its weight as it goes so that its picks decode
  /// in this fraction of the time zstd at level 3 takes on the same channels (1 = as fast as
  /// zstd-3, 0.5 = twice as fast). Every `time_decode_every` channels it times zstd-3 and each
  /// candidate it encodes, and keeps a uniform sample of such channels; the weight is the least
  /// in [tuned_weight_min, tuned_weight_max] whose picks on that sample meet the target (the
  /// least bytes for the decode time). Selectors that share their tuning (share_tuning) keep
  /// one sample and one weight: the target then holds for what they encode together, a chunk's
  /// two channels. 0 keeps the weight fixed.
  double decode_target = 0;
  /// zstd's level for zstd and zstd_transform.
  int zstd_level = 19;
  /// Candidates encoded per channel to verify the prediction (1..candidate_count).
  int verify = 4;
  /// Exhaustive search every this many channels, to measure accuracy; 0 never.
  int audit_every = 64;
  /// The winner's decode is timed every this many channels; balanced times every candidate it
  /// encodes then, and any it has timed fewer than `decode_model::settled` times.
  int time_decode_every = 8;

  /// The balanced policy strata stores chunks with: a weight that starts at
  /// `balanced_decode_weight` bytes per microsecond and is tuned to decode in
  /// `balanced_decode_target` of zstd-3's time (docs/compression.md has how both were chosen).
  static selector_policy balanced_default();

  /// The bounds of a tuned weight.
  static constexpr double tuned_weight_min = 0.5;
  static constexpr double tuned_weight_max = 256;
};

struct selection {
  candidate chosen;
  std::string payload;
};

struct selector_report {
  std::uint64_t channels = 0;
  /// Channels also searched exhaustively, and how often the pick was within 1 % of the best (the
  /// smallest; for balanced, the least cost).
  std::uint64_t audits = 0;
  std::uint64_t audit_best = 0;
  /// Bytes the picks took over the best picks' bytes, on audited channels (1.0 = always the best).
  double audit_bytes_ratio = 1;
  /// Seconds spent choosing (analysis and verification), and what exhaustive search would have
  /// spent on the same channels, extrapolated from the audits.
  double choose_seconds = 0;
  double exhaustive_seconds_estimate = 0;
  /// How often each candidate won, by candidate_name order of candidates().
  std::array<std::uint64_t, candidate_count> mix{};
  /// Balanced: the weight now (tuned when the policy has a decode_target).
  double decode_weight = 0;
  /// With a decode_target: the picks' decode time at that weight over zstd-3's, on the sample of
  /// timed channels (0 before the first), and how many channels were timed (with a shared
  /// tuning, by all the selectors that share it).
  double decode_ratio = 0;
  std::uint64_t decode_ratio_timings = 0;

  double accuracy() const { return audits ? static_cast<double>(audit_best) / audits : 1; }
  /// 1 - choose time / exhaustive time: the share of encoding CPU the prediction saves.
  double cpu_saved() const {
    return exhaustive_seconds_estimate > 0 ? 1 - choose_seconds / exhaustive_seconds_estimate : 0;
  }
};

/// What a selector has learned of one candidate's decode time: a least-squares line through
/// (payload bytes, nanoseconds), recent samples weighted most.
class decode_model {
 public:
  /// Samples before the line is trusted over trying the candidate again.
  static constexpr std::uint32_t settled = 4;
  void learn(double bytes, double ns);
  /// Predicted nanoseconds for a payload of `bytes` (0 before any sample); never negative, and
  /// never less for more bytes.
  double predict(double bytes) const;
  std::uint32_t samples() const { return samples_; }

 private:
  double weight_ = 0, x_ = 0, y_ = 0, xx_ = 0, xy_ = 0;
  std::uint32_t samples_ = 0;
};

class selector {
 public:
  explicit selector(selector_policy policy = {});

  /// Picks and encodes one channel.
  selection choose(channel_view in);
  /// Encodes with every candidate and returns the best under the policy.
  selection exhaustive(channel_view in);

  /// Makes this selector tune its weight with `other`'s: one sample and one weight for both
  /// (selector_policy::decode_target; the policies' targets should agree). A selector whose
  /// policy has no decode_target follows the weight the others tune and adds nothing to the
  /// sample.
  void share_tuning(const selector& other);

  const selector_report& report() const { return report_; }
  const selector_policy& policy() const { return policy_; }

 private:
  struct bucket {
    std::array<double, candidate_count> size_factor;
    bucket() { size_factor.fill(1.0); }
  };
  static std::size_t bucket_of(const analysis& a);
  // Whether a payload of `bytes` fits the budget (a candidate never timed is given the benefit of
  // the doubt, so that it is tried).
  bool within_budget(std::size_t index, double bytes) const;
  // What the policy minimises: bytes, plus for balanced the weighted predicted decode time (0 for
  // a candidate not timed yet, so that it is tried).
  double cost(std::size_t index, double bytes) const;
  // Nanoseconds a payload takes to decode: the faster of two runs (the first can find cold
  // caches).
  static double time_decode(codec_id id, const std::string& payload);
  bool encode(std::size_t index, channel_view in, std::string& out) const;
  // Encodes every candidate; with an analysis, also learns from every size it measures.
  selection search_all(channel_view in, const analysis* learn_from);
  // Moves the bucket's size factor for a candidate towards measured / estimated bytes.
  void learn_size(bucket& b, const analysis& a, std::size_t index, std::size_t bytes);
  // Times the decode of a payload of candidate `index` and adds it to the candidate's decode
  // model; returns the nanoseconds.
  double learn_decode(std::size_t index, const std::string& payload);
  // A timed channel, for a decode_target: zstd-3's decode time and, for each candidate encoded,
  // its bytes and decode time.
  struct timed_channel {
    float reference_ns = 0;
    std::uint8_t options = 0;
    std::array<std::array<float, 2>, candidate_count> option{};
    void add(double bytes, double ns);
  };
  // The weight, and with a decode_target the sample it is tuned on.
  struct tuning {
    double weight = 0;
    double ratio = 0;
    std::vector<timed_channel> sample;
    std::uint64_t seen = 0;
    std::uint64_t random = 0x9e3779b97f4a7c15;
    // Keeps a timed channel in the sample and sets the weight to the least that meets `target`.
    void add(const timed_channel& timed, double target);
    // The picks' decode time over zstd-3's on the sample at weight w.
    double ratio_at(double w) const;
  };
  // Times zstd-3 on the channel, and adds it to the tuning.
  void tune_weight(channel_view in, timed_channel& timed);

  selector_policy policy_;
  std::shared_ptr<tuning> tuning_;
  std::vector<bucket> buckets_;
  std::array<decode_model, candidate_count> decode_;
  selector_report report_;
  double audit_exhaustive_seconds_ = 0;
  double audit_choose_seconds_ = 0;
  std::uint64_t audit_chosen_bytes_ = 0;
  std::uint64_t audit_best_bytes_ = 0;
};

/// Encodes a chunk with one selector per channel (their statistics differ) and appends it to out.
void encode_selected(const chunk& c, selector& material, selector& history, std::string& out);

}  // namespace strata::compression
