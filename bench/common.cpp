#include "bench/common.hpp"

#include <cstdio>
#include <fstream>

namespace strata::bench {

std::optional<std::string> word_after(const std::string& log, const std::string& marker) {
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (auto at = line.find(marker); at != std::string::npos) {
      std::string rest = line.substr(at + marker.size());
      return rest.substr(0, rest.find_first_of(" ,"));
    }
  return std::nullopt;
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
