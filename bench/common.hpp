// What every benchmark shares: a stopwatch, throughput, and goals computed from the figures of one
// run and printed as a table or as the JSON `goals` list ({name, value, target, met}).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/json.hpp"

namespace strata::bench {

class stopwatch {
 public:
  stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

inline double mb_per_second(double bytes, double seconds) {
  return seconds > 0 ? bytes / seconds / 1e6 : 0;
}

struct goal {
  std::string name;
  double value;
  double target;
  bool at_most;  // value <= target when true, value >= target otherwise
  bool met() const { return at_most ? value <= target : value >= target; }
};

/// In a process's log: the word after `marker` (up to a space or a comma) on the first line that
/// has it, or nothing yet.
std::optional<std::string> word_after(const std::string& log, const std::string& marker);

/// Writes `"goals": [...]` into an open JSON object.
void write_goals(base::json_writer& out, const std::vector<goal>& goals);
/// Prints "goals:" and one line per goal.
void print_goals(const std::vector<goal>& goals);

}  // namespace strata::bench
