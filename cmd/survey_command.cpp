// strata survey: the world strata would build from real terrain, without building it.
#include <chrono>
#include <cstdio>

#include "base/json.hpp"
#include "cmd/commands.hpp"
#include "geo/grid.hpp"
#include "geology/dem.hpp"

namespace strata::cmd {

namespace {

// World specs that suit each shipped DEM: voxels a little finer than the DEM's samples would be
// wasted on interpolation, so columns are about 150 m (topobathy's samples are 2.4 km apart) and
// 35 m (jacksboro's are 90 m apart), with room above the peaks and below the deepest floor for
// deposition and uplift.
std::vector<std::pair<std::string, std::string>> demo_spec(const std::string& world) {
  if (world == "jacksboro")
    return {{"world.name", "jacksboro"}, {"world.voxel_level", "18"}, {"world.region_level", "12"},
            {"world.dz_m", "4"},         {"world.z_min_m", "0"},      {"world.z_max_m", "1400"}};
  return {{"world.name", "topobathy"}, {"world.voxel_level", "16"}, {"world.region_level", "10"},
          {"world.dz_m", "10"},        {"world.z_min_m", "-2000"},  {"world.z_max_m", "3000"}};
}

std::string thousands(std::uint64_t value) {
  std::string digits = std::to_string(value), out;
  for (std::size_t n = 0; n < digits.size(); ++n) {
    if (n > 0 && (digits.size() - n) % 3 == 0)
      out += ',';
    out += digits[n];
  }
  return out;
}

}  // namespace

int run_survey(const args& words) {
  std::string world = "topobathy";
  std::string sample_data = geology::matplotlib_sample_data;
  bool json = false;
  flag_parser flags(
      "strata survey",
      "Read real terrain (Debian's python-matplotlib-data) and print the world strata "
      "would build from it: spec, regions, columns, chunks, land and ocean.");
  flags.add_text("world", "NAME", "topobathy (default) or jacksboro", &world);
  flags.add_text("sample-data", "DIR", "where the .npz files are", &sample_data);
  flags.add_switch("json", "print one JSON object", &json);
  add_world_flags(flags);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;

  // The demo's spec for the world, then anything the user set (flags win).
  config::sources from;
  if (!flags.config_file().empty())
    from.file = flags.config_file();
  from.environment = config::process_environment();
  from.flags = demo_spec(world);
  for (const auto& flag : flags.config_flags())
    from.flags.push_back(flag);
  auto loaded = config::load(from);
  if (!loaded)
    return report(loaded.error());

  const auto started = std::chrono::steady_clock::now();
  auto terrain = geology::load_named(world, sample_data);
  if (!terrain)
    return report(terrain.error());
  auto g = geo::grid::make(loaded->world);
  if (!g)
    return report(g.error());
  auto survey = geology::survey_world(*g, *terrain, loaded->cover_regions_max);
  if (!survey)
    return report(survey.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const geo::world_spec& spec = g->spec();
  const double land_share =
      survey->columns ? static_cast<double>(survey->land_columns) / survey->columns : 0;
  const std::uint64_t voxels = survey->chunks * geo::chunk_edge * geo::chunk_edge * geo::chunk_edge;

  if (json) {
    base::json_writer out;
    out.begin_object()
        .key("world")
        .value(spec.name)
        .key("regions")
        .value(survey->regions)
        .key("columns")
        .value(survey->columns)
        .key("land_columns")
        .value(survey->land_columns)
        .key("ocean_columns")
        .value(survey->ocean_columns)
        .key("chunks")
        .value(survey->chunks)
        .key("surface_chunks")
        .value(survey->surface_chunks)
        .key("clipped_columns")
        .value(survey->clipped_columns)
        .key("voxels")
        .value(voxels)
        .key("seconds")
        .value(seconds)
        .key("spec")
        .begin_object()
        .key("voxel_level")
        .value(spec.voxel_level)
        .key("region_level")
        .value(spec.region_level)
        .key("dz_m")
        .value(spec.dz_m)
        .key("z_min_m")
        .value(spec.z_min_m)
        .key("z_max_m")
        .value(spec.z_max_m)
        .key("chunk_edge")
        .value(geo::chunk_edge)
        .end_object()
        .key("dem")
        .begin_object()
        .key("rows")
        .value(std::uint64_t{terrain->rows})
        .key("columns")
        .value(std::uint64_t{terrain->columns})
        .key("lat_min")
        .value(terrain->lat_min_deg())
        .key("lat_max")
        .value(terrain->lat_max_deg())
        .key("lng_min")
        .value(terrain->lng_min_deg())
        .key("lng_max")
        .value(terrain->lng_max_deg())
        .key("elevation_min_m")
        .value(double{survey->elevation_min_m})
        .key("elevation_max_m")
        .value(double{survey->elevation_max_m})
        .end_object()
        .end_object();
    std::printf("%s\n", out.str().c_str());
    return exit_ok;
  }
  std::printf(
      "strata survey: the world strata builds from real terrain\n\n"
      "terrain    %s: %zu x %zu samples, lat %.3f..%.3f, lng %.3f..%.3f\n"
      "           elevation %.0f m .. %.0f m\n"
      "grid       voxel level %d (columns ~%.0f m), region level %d (~%.1f km)\n"
      "           %g m layers from %g m to %g m: %u layers, %u chunk layers of 32\n\n"
      "regions    %s\n"
      "columns    %s  (land %.1f %%, ocean %.1f %%)\n"
      "chunks     %s  (%s voxels; %s hold the surface)\n",
      spec.name.c_str(), terrain->rows, terrain->columns, terrain->lat_min_deg(),
      terrain->lat_max_deg(), terrain->lng_min_deg(), terrain->lng_max_deg(),
      double{survey->elevation_min_m}, double{survey->elevation_max_m}, spec.voxel_level,
      geo::average_cell_width_m(spec.voxel_level), spec.region_level,
      geo::average_cell_width_m(spec.region_level) / 1000, spec.dz_m, spec.z_min_m, spec.z_max_m,
      geo::voxel_layers(spec), geo::chunk_layers(spec), thousands(survey->regions).c_str(),
      thousands(survey->columns).c_str(), land_share * 100, (1 - land_share) * 100,
      thousands(survey->chunks).c_str(), thousands(voxels).c_str(),
      thousands(survey->surface_chunks).c_str());
  if (survey->clipped_columns)
    std::printf("clipped    %s columns reach outside the altitude range\n",
                thousands(survey->clipped_columns).c_str());
  std::printf("\nsurveyed in %.2f s. Next: strata grid locate --lat 49 --lng -124.5 --alt 0\n",
              seconds);
  return exit_ok;
}

}  // namespace strata::cmd
