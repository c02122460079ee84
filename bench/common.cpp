#include "bench/common.hpp"

#include <cstdio>

namespace strata::bench {

geo::world_spec bench_world_spec(const std::string& world) {
  geo::world_spec spec;
  spec.name = world;
  if (world == "jacksboro") {
    spec.voxel_level = 18;
    spec.region_level = 12;
    spec.dz_m = 4;
    spec.z_min_m = 0;
    spec.z_max_m = 1400;
  } else {
    spec.voxel_level = 15;
    spec.region_level = 9;
    spec.dz_m = 10;
    spec.z_min_m = -2000;
    spec.z_max_m = 3000;
  }
  return spec;
}

void write_goals(base::json_writer& out, const std::vector<goal>& goals) {
  out.key("goals").begin_array();
  for (const goal& g : goals)
    out.begin_object()
        .key("name")
        .value(g.name)
        .key("value")
        .value(g.value)
        .key("target")
        .value(g.target)
        .key("met")
        .value(g.met())
        .end_object();
  out.end_array();
}

void print_goals(const std::vector<goal>& goals) {
  std::printf("\ngoals:\n");
  for (const goal& g : goals)
    std::printf("  %-46s %10.4f %s %-6g %s\n", g.name.c_str(), g.value,
                g.at_most ? "<=" : ">=", g.target, g.met() ? "met" : "NOT MET");
}

}  // namespace strata::bench
