#include "geology/update.hpp"

#include <s2/s2latlng.h>
#include <s2/s2latlng_rect.h>
#include <s2/s2region_coverer.h>

#include <algorithm>
#include <memory>

namespace strata::geology {

std::string_view name(const process_update& u) {
  static constexpr std::string_view names[] = {"erosion",   "deposition", "tectonics", "weathering",
                                               "volcanism", "sea-level",  "set",       "fill-box"};
  return names[u.index()];
}

namespace {

using values = std::vector<chunk_column_values>;

base::result<std::shared_ptr<const values>> evaluated(const process_context& ctx,
                                                      const column_field& field,
                                                      const plan_limits& limits,
                                                      std::span<const std::uint64_t> only) {
  auto v = evaluate(ctx.grid, field, limits.chunk_columns_max, only);
  if (!v)
    return v.error();
  if (v->empty() && only.empty())
    return base::fail(base::errc::invalid_argument,
                      "the update's field is zero everywhere: it would change nothing");
  return std::make_shared<const values>(std::move(*v));
}

std::vector<std::uint64_t> regions_of(const values& v) {
  std::vector<std::uint64_t> out;
  for (const chunk_column_values& c : v)
    out.push_back(c.region.id());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A plan for an operator over one field: `run(field, chunks)`.
template <class Run>
base::result<planned_update> over_field(const process_context& ctx, const column_field& field,
                                        const plan_limits& limits,
                                        std::span<const std::uint64_t> only, Run run) {
  auto v = evaluated(ctx, field, limits, only);
  if (!v)
    return v.error();
  planned_update p;
  p.regions = only.empty() ? regions_of(**v) : std::vector<std::uint64_t>(only.begin(), only.end());
  p.apply = [field_values = *v, run](chunk_access& chunks) { return run(*field_values, chunks); };
  return p;
}

}  // namespace

base::result<planned_update> plan(const process_context& ctx, const process_update& update,
                                  const plan_limits& limits, std::span<const std::uint64_t> only) {
  if (!std::is_sorted(only.begin(), only.end()))
    return base::fail(base::errc::invalid_argument, "plan: the regions of a part are not sorted");
  const process_context* c = &ctx;
  if (const auto* u = std::get_if<erosion_update>(&update))
    return over_field(ctx, u->depth_m, limits, only,
                      [c](const values& v, chunk_access& a) { return erode(*c, v, a); });
  if (const auto* u = std::get_if<deposition_update>(&update)) {
    const deposit_material what = u->what;
    return over_field(
        ctx, u->thickness_m, limits, only,
        [c, what](const values& v, chunk_access& a) { return deposit(*c, v, what, a); });
  }
  if (const auto* u = std::get_if<tectonics_update>(&update))
    return over_field(ctx, u->uplift_m, limits, only,
                      [c](const values& v, chunk_access& a) { return displace(*c, v, a); });
  if (const auto* u = std::get_if<weathering_update>(&update))
    return over_field(ctx, u->depth_m, limits, only,
                      [c](const values& v, chunk_access& a) { return weather(*c, v, a); });
  if (const auto* u = std::get_if<volcanism_update>(&update)) {
    const volcanism_update body = *u;
    if (body.how == volcanism_update::mode::extrusion)
      return over_field(
          ctx, body.thickness_m, limits, only, [c, body](const values& v, chunk_access& a) {
            return deposit(*c, v, deposit_material{body.material, {}}, a, history::volcanism);
          });
    return over_field(ctx, body.thickness_m, limits, only,
                      [c, body](const values& v, chunk_access& a) {
                        return intrude(*c, v, body.material, body.base_alt_m, a);
                      });
  }
  if (const auto* u = std::get_if<sea_level_update>(&update)) {
    const double level = u->level_m;
    return over_field(ctx, u->area, limits, only, [c, level](const values& v, chunk_access& a) {
      return change_sea_level(*c, level, v, a);
    });
  }
  if (const auto* u = std::get_if<set_voxels_update>(&update)) {
    if (u->voxels.empty())
      return base::fail(base::errc::invalid_argument, "set: the voxel list is empty");
    if (u->voxels.size() > limits.voxels_max)
      return base::fail(base::errc::limit_exceeded, "set: " + std::to_string(u->voxels.size()) +
                                                        " voxels; the limit is " +
                                                        std::to_string(limits.voxels_max));
    planned_update p;
    std::vector<voxel_value> mine;
    for (const voxel_value& v : u->voxels) {
      if (auto ok = ctx.grid.check(v.voxel); !ok)
        return ok.error();
      const std::uint64_t region = ctx.grid.region_of(v.voxel).id();
      if (!only.empty() && !std::binary_search(only.begin(), only.end(), region))
        continue;
      p.regions.push_back(region);
      mine.push_back(v);
    }
    std::sort(p.regions.begin(), p.regions.end());
    p.regions.erase(std::unique(p.regions.begin(), p.regions.end()), p.regions.end());
    if (!only.empty())
      p.regions.assign(only.begin(), only.end());
    auto voxels = std::make_shared<const std::vector<voxel_value>>(std::move(mine));
    p.apply = [c, voxels](chunk_access& a) { return set_voxels(*c, *voxels, a); };
    return p;
  }
  const auto& box = std::get<fill_box_update>(update);
  for (const geo::position& corner : {box.min, box.max})
    if (auto located = ctx.grid.locate(corner); !located)
      return located.error();
  if (box.min.lat_deg > box.max.lat_deg || box.min.lng_deg > box.max.lng_deg ||
      box.min.alt_m > box.max.alt_m)
    return base::fail(base::errc::invalid_argument,
                      "fill box: the minimum corner exceeds the maximum in latitude, longitude "
                      "or altitude");
  const S2LatLngRect rect(S2LatLng::FromDegrees(box.min.lat_deg, box.min.lng_deg),
                          S2LatLng::FromDegrees(box.max.lat_deg, box.max.lng_deg));
  S2RegionCoverer::Options options;
  options.set_fixed_level(ctx.grid.spec().region_level);
  options.set_max_cells(static_cast<int>(std::min<std::size_t>(limits.chunk_columns_max, 1 << 20)));
  std::vector<S2CellId> cells;
  S2RegionCoverer(options).GetCovering(rect, &cells);
  planned_update p;
  for (S2CellId cell : cells)
    p.regions.push_back(cell.id());
  if (!only.empty())
    p.regions.assign(only.begin(), only.end());
  const std::size_t chunk_columns_max = limits.chunk_columns_max;
  const std::vector<std::uint64_t> part(only.begin(), only.end());
  p.apply = [c, box, chunk_columns_max, part](chunk_access& a) {
    return fill_box(*c, box.min, box.max, box.material, chunk_columns_max, a, part);
  };
  return p;
}

}  // namespace strata::geology
