#include "bench/common.hpp"

#include <cstdio>

namespace strata::bench {

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
