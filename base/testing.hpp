// Helpers for tests only: seeds that are printed and can be replayed (STYLE.md rule 14).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

/// A fresh directory path under the system's temporary directory, named for the test and this
/// process, removed (with everything in it) when the object goes.
class temp_dir {
 public:
  explicit temp_dir(const std::string& purpose = "test") {
    static int next = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("strata-" + purpose + "-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    std::filesystem::remove_all(path_);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace strata::base
