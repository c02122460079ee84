// What the end-to-end tests share: the topobathy world and the benchmarks' workload on it.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/workload.hpp"
#include "client/client.hpp"
#include "geology/dem.hpp"
#include "geology/world_file.hpp"

namespace strata::test_world {

inline const geo::world_spec& world_spec() {
  static const geo::world_spec spec = geology::sample_world_spec("topobathy");
  return spec;
}

inline const std::string& generator_record() {
  static const std::string record = [] {
    auto terrain = geology::load_named("topobathy");
    EXPECT_TRUE(terrain.ok()) << terrain.error().to_string();
    return geology::serialize(geology::generator_record{{}, *terrain});
  }();
  return record;
}

// `count` updates of the benchmarks' workload (erosion, deposition, uplift around a dozen
// sites), each with a fresh id.
inline std::vector<geology::update> workload(std::size_t count) {
  auto terrain = geology::load_named("topobathy");
  auto g = geo::grid::make(world_spec());
  auto processes = bench::make_workload(*terrain, *g, (count + 2) / 3);
  std::vector<geology::update> out;
  for (std::size_t n = 0; n < count && n < processes.size(); ++n) {
    geology::update u;
    u.id = client::random_id();
    u.tick = n + 1;
    u.process = processes[n];
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace strata::test_world
