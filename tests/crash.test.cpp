// The crash test (issue: region storage): a child process applies updates and reports each
// acknowledgement; it is killed with SIGKILL at random moments at least 50 times and restarted,
// resubmitting everything not yet acknowledged. After every restart the environment opens
// cleanly, and at the end every acknowledged update is present exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "base/testing.hpp"
#include "shard/store.hpp"

namespace strata {
namespace {

struct child {
  pid_t pid = -1;
  std::FILE* out = nullptr;
};

child start(const std::string& dir, unsigned long first, unsigned long count) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string first_text = std::to_string(first), count_text = std::to_string(count);
    ::execl(CRASH_CHILD, CRASH_CHILD, dir.c_str(), first_text.c_str(), count_text.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, ::fdopen(fds[0], "r")};
}

TEST(crash, every_acknowledged_update_survives_sigkill_exactly_once) {
  const unsigned seed = base::test_seed("crash");
  std::mt19937 random(seed);
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("strata-crash-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(dir);
  const int rounds =
      std::getenv("STRATA_CRASH_ROUNDS") ? std::atoi(std::getenv("STRATA_CRASH_ROUNDS")) : 50;
  // Acknowledged: applied ("A") or answered duplicate ("D", applied before). An id applied after
  // it was acknowledged once would be applied twice.
  std::set<unsigned long> acknowledged;
  bool twice = false;
  auto record = [&](const char* line) {
    const unsigned long id = std::stoul(line + 2);
    if (line[0] == 'A' && acknowledged.contains(id)) {
      ADD_FAILURE() << "update " << id << " applied twice; seed " << seed;
      twice = true;
    }
    acknowledged.insert(id);
  };
  unsigned long next = 0;  // the lowest id not yet acknowledged: everything from it is resubmitted
  unsigned long submitted_max = 0;
  for (int round = 0; round < rounds; ++round) {
    const unsigned long count = 400;
    child c = start(dir, next, count);
    ASSERT_NE(c.out, nullptr);
    submitted_max = std::max(submitted_max, next + count);
    // Kill after a random number of acknowledgements, or a random moment before the first.
    const int acks_before_kill = static_cast<int>(random() % 120);
    const auto delay = std::chrono::microseconds(random() % 3000);
    char line[128];
    bool ready = false;
    int acks = 0;
    while (acks < acks_before_kill && std::fgets(line, sizeof line, c.out)) {
      if (line[0] == 'R') {
        ready = true;
        continue;
      }
      ASSERT_NE(line[0], 'E') << "the environment did not open after a kill: " << line;
      ASSERT_NE(line[0], 'F') << "an update failed: " << line;
      record(line);
      ++acks;
    }
    if (acks_before_kill == 0)
      std::this_thread::sleep_for(delay);
    ::kill(c.pid, SIGKILL);
    // Acknowledgements already written before the kill count too.
    while (std::fgets(line, sizeof line, c.out))
      if (line[0] == 'A' || line[0] == 'D')
        record(line);
    std::fclose(c.out);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    ASSERT_FALSE(twice);
    // The child stopped before it could open the environment only if killed that early.
    ASSERT_TRUE(ready || acks_before_kill == 0) << "round " << round << "; seed " << seed;
    while (acknowledged.contains(next))
      ++next;
  }
  // Every acknowledged update is recorded and visible; the region counted each applied update
  // once.
  shard::store_options options;
  options.directory = dir;
  options.log = [](std::string_view) {};
  auto s = shard::store::open(options);
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  std::uint64_t recorded = 0;
  for (unsigned long n = 0; n < submitted_max; ++n) {
    shard::update_id id{};
    for (int b = 0; b < 8; ++b)
      id[b] = static_cast<std::uint8_t>(n >> (8 * b));
    id[15] = 0x5a;
    const bool applied = *(*s)->applied(1, id);
    recorded += applied;
    if (acknowledged.contains(n)) {
      ASSERT_TRUE(applied) << "acknowledged update " << n << " is lost; seed " << seed;
      auto c = (*s)->read(shard::chunk_key{1, 0, n / 32768 % 8});
      ASSERT_TRUE(c.ok());
      EXPECT_EQ((*c)->material[n % 32768], n % 250 + 1) << n;
    }
  }
  EXPECT_EQ((*s)->region(1)->updates, recorded);
  EXPECT_GE(acknowledged.size(), static_cast<std::size_t>(rounds));
  std::printf("[ crash    ] %d kills, %zu updates acknowledged, %llu recorded\n", rounds,
              acknowledged.size(), static_cast<unsigned long long>(recorded));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata
