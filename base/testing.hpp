// Helpers for tests only: seeds that are printed and can be replayed (STYLE.md rule 14).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace strata::base {

/// The seed of a randomized test: STRATA_TEST_SEED when set (to replay a failure), otherwise a
/// fresh one. Either way it is printed, so every failing run can be replayed.
inline unsigned test_seed(const char* test_name) {
  unsigned seed;
  if (const char* fixed = std::getenv("STRATA_TEST_SEED")) {
    seed = static_cast<unsigned>(std::stoul(fixed));
  } else {
    seed = std::random_device{}();
  }
  std::printf("[ seed     ] %s: %u (replay with STRATA_TEST_SEED=%u)\n", test_name, seed, seed);
  return seed;
}

}  // namespace strata::base
