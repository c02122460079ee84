// The hybrid selector (DESIGN.md §3): picks each channel's codec.
//
// For each channel it analyses the content (compression/analysis.hpp), ranks the candidates by
// estimated size corrected by what it has learned, encodes the top few, and keeps the smallest
// (or the smallest whose predicted decode time fits a budget, or the one with the least bytes plus
// weighted decode time: balanced, which the store uses). It learns online: per feature bucket
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

/// The weight of the balanced policy strata stores chunks with (selector_policy::decode_weight).
inline constexpr double balanced_decode_weight = 12.0;

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
  /// the larger, the more bytes a faster codec may cost.
  double decode_weight = 0;
  /// zstd's level for zstd and zstd_transform.
  int zstd_level = 19;
  /// Candidates encoded per channel to verify the prediction (1..candidate_count).
  int verify = 4;
  /// Exhaustive search every this many channels, to measure accuracy; 0 never.
  int audit_every = 64;
  /// The winner's decode is timed every this many channels; balanced times every candidate it
  /// encodes then, and any it has timed fewer than `decode_model::settled` times.
  int time_decode_every = 8;

  /// The balanced policy strata stores chunks with: a microsecond of decoding is worth
  /// `balanced_decode_weight` bytes (docs/compression.md has how it was chosen).
  static selector_policy balanced_default();
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
  bool encode(std::size_t index, channel_view in, std::string& out) const;
  // Encodes every candidate; with an analysis, also learns from every size it measures.
  selection search_all(channel_view in, const analysis* learn_from);
  // Moves the bucket's size factor for a candidate towards measured / estimated bytes.
  void learn_size(bucket& b, const analysis& a, std::size_t index, std::size_t bytes);
  // Times the decode of a payload of candidate `index` (the faster of two runs: the first can
  // find cold caches) and adds it to the candidate's decode model.
  void learn_decode(std::size_t index, const std::string& payload);

  selector_policy policy_;
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
