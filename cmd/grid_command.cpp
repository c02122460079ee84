// strata grid locate | cover
#include <cinttypes>
#include <cstdio>

#include "base/json.hpp"
#include "cmd/commands.hpp"
#include "geo/cover.hpp"
#include "geo/grid.hpp"

namespace strata::cmd {

namespace {

int locate(const args& words) {
  double lat = 0, lng = 0, alt = 0;
  flag_parser flags("strata grid locate",
                    "Print the voxel, chunk and region holding a point, as one JSON object.");
  flags.add_number("lat", "DEG", "latitude in degrees, -90..90", &lat, true);
  flags.add_number("lng", "DEG", "longitude in degrees, -180..180", &lng, true);
  flags.add_number("alt", "M", "altitude in metres", &alt, true);
  add_world_flags(flags);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  auto loaded = load_config(flags);
  if (!loaded)
    return report(loaded.error());
  auto g = geo::grid::make(loaded->world);
  if (!g)
    return report(g.error());
  auto v = g->locate({lat, lng, alt});
  if (!v)
    return report(v.error());
  const geo::voxel_address where = g->address(*v);
  const geo::position centre = g->center(*v);
  base::json_writer out;
  out.begin_object()
      .key("region")
      .value(where.region.ToToken())
      .key("region_id")
      .value(std::uint64_t{where.region.id()})
      .key("region_level")
      .value(g->spec().region_level)
      .key("chunk_morton")
      .value(where.morton)
      .key("face")
      .value(unsigned{v->face})
      .key("i")
      .value(v->i)
      .key("j")
      .value(v->j)
      .key("k")
      .value(v->k)
      .key("voxel_level")
      .value(g->spec().voxel_level)
      .key("column")
      .value(g->column_cell(*v).ToToken())
      .key("chunk")
      .begin_object()
      .key("u")
      .value(where.chunk.u)
      .key("v")
      .value(where.chunk.v)
      .key("k")
      .value(where.chunk.k)
      .end_object()
      .key("in_chunk")
      .begin_object()
      .key("x")
      .value(where.x)
      .key("y")
      .value(where.y)
      .key("z")
      .value(where.z)
      .end_object()
      .key("center")
      .begin_object()
      .key("lat")
      .value(centre.lat_deg)
      .key("lng")
      .value(centre.lng_deg)
      .key("alt")
      .value(centre.alt_m)
      .end_object()
      .end_object();
  std::printf("%s\n", out.str().c_str());
  return exit_ok;
}

int cover(const args& words) {
  double lat = 0, lng = 0, radius_km = 0;
  flag_parser flags("strata grid cover",
                    "Print the tokens of the regions under a cap, one per line, in Hilbert order.");
  flags.add_number("lat", "DEG", "latitude of the centre in degrees", &lat, true);
  flags.add_number("lng", "DEG", "longitude of the centre in degrees", &lng, true);
  flags.add_number("radius-km", "KM", "radius along the surface in kilometres", &radius_km, true);
  add_world_flags(flags);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  auto loaded = load_config(flags);
  if (!loaded)
    return report(loaded.error());
  auto regions =
      geo::regions_in_cap(loaded->world, {lat, lng}, radius_km * 1000, loaded->cover_regions_max);
  if (!regions)
    return report(regions.error());
  std::string text;
  for (S2CellId region : *regions)
    text += region.ToToken() + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  return exit_ok;
}

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: strata grid SUBCOMMAND [flags]\n\n"
               "  locate   the voxel, chunk and region holding a point (JSON)\n"
               "  cover    the regions under a cap, one token per line\n\n"
               "strata grid SUBCOMMAND --help shows its flags.\n");
}

}  // namespace

int run_grid(const args& words) {
  if (words.empty()) {
    print_usage(stderr);
    return exit_usage;
  }
  const args rest(words.begin() + 1, words.end());
  if (words[0] == "locate")
    return locate(rest);
  if (words[0] == "cover")
    return cover(rest);
  if (words[0] == "--help") {
    print_usage(stdout);
    return exit_ok;
  }
  std::fprintf(stderr, "strata: unknown grid subcommand \"%s\"\n\n", words[0].c_str());
  print_usage(stderr);
  return exit_usage;
}

}  // namespace strata::cmd
