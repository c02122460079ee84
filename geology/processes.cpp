#include "geology/processes.hpp"

#include <s2/s2cell.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>
#include <s2/s2latlng_rect.h>
#include <s2/s2region_coverer.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace strata::geology {

double effects::removed_total_m3() const {
  double total = 0;
  for (double v : removed_m3)
    total += v;
  return total;
}

double effects::added_total_m3() const {
  double total = 0;
  for (double v : added_m3)
    total += v;
  return total;
}

std::vector<std::pair<std::uint8_t, double>> effects::removed_mix() const {
  std::vector<std::pair<std::uint8_t, double>> out;
  for (std::size_t id = 0; id < removed_m3.size(); ++id)
    if (removed_m3[id] > 0)
      out.emplace_back(static_cast<std::uint8_t>(id), removed_m3[id]);
  return out;
}

namespace {

constexpr std::size_t columns_per_chunk = compression::edge * compression::edge;
constexpr std::uint32_t edge = compression::edge;

// Whole voxels from amounts in voxels, the rounding error carried to the next column so that
// the total stays within half a voxel of what was asked.
class quantizer {
 public:
  long long take(double voxels) {
    const double want = voxels + carry_;
    const long long n = std::llround(want);
    carry_ = want - static_cast<double>(n);
    return n;
  }

 private:
  double carry_ = 0;
};

// Every chunk layer of one chunk column, read on demand and switched to editing on first write.
class column_block {
 public:
  column_block(chunk_access& access, const geo::grid& g, const chunk_column_values& at, effects& fx)
      : access_(access),
        region_(at.region),
        u_(at.u),
        v_(at.v),
        layers_(geo::voxel_layers(g.spec())),
        fx_(fx),
        read_(geo::chunk_layers(g.spec()), nullptr),
        written_(geo::chunk_layers(g.spec()), nullptr) {}

  std::uint32_t layers() const { return layers_; }

  base::status load() {
    for (std::uint32_t k = 0; k < read_.size(); ++k) {
      auto c = access_.view(region_, geo::chunk_coord{u_, v_, k});
      if (!c)
        return c.error();
      read_[k] = *c;
    }
    return {};
  }

  std::uint8_t material(std::size_t column, std::uint32_t z) const {
    return chunk_at(z)->material[index(column, z)];
  }
  std::uint8_t history(std::size_t column, std::uint32_t z) const {
    return chunk_at(z)->history[index(column, z)];
  }

  // Sets a voxel; counts it when it changes.
  base::status set(std::size_t column, std::uint32_t z, std::uint8_t material,
                   std::uint8_t history) {
    const std::uint32_t k = z / edge;
    if (read_[k]->material[index(column, z)] == material &&
        read_[k]->history[index(column, z)] == history)
      return {};
    if (auto writable = writable_layer(k); !writable)
      return writable;
    written_[k]->material[index(column, z)] = material;
    written_[k]->history[index(column, z)] = history;
    ++fx_.voxels_changed;
    return {};
  }

  // Reads a whole column (every altitude index).
  void get_column(std::size_t column, std::uint8_t* material, std::uint8_t* history) const {
    for (std::uint32_t z = 0; z < layers_; ++z) {
      const compression::chunk* c = chunk_at(z);
      material[z] = c->material[index(column, z)];
      history[z] = c->history[index(column, z)];
    }
  }

  // Sets a whole column (every altitude index), chunk layer by chunk layer: a layer is edited
  // only when something in it changes.
  base::status set_column(std::size_t column, const std::uint8_t* material,
                          const std::uint8_t* history) {
    for (std::uint32_t k = 0; k < read_.size(); ++k) {
      const std::uint32_t first = k * edge;
      const std::uint32_t last = std::min(layers_, first + edge);
      if (first >= last)
        break;
      const compression::chunk* before = read_[k];
      std::uint32_t differ = 0;
      for (std::uint32_t z = first; z < last; ++z)
        differ += before->material[index(column, z)] != material[z] ||
                  before->history[index(column, z)] != history[z];
      if (differ == 0)
        continue;
      if (auto writable = writable_layer(k); !writable)
        return writable;
      for (std::uint32_t z = first; z < last; ++z) {
        written_[k]->material[index(column, z)] = material[z];
        written_[k]->history[index(column, z)] = history[z];
      }
      fx_.voxels_changed += differ;
    }
    return {};
  }

  // The altitude index just above the highest solid voxel; 0 when all fluid.
  std::uint32_t surface(std::size_t column, const material_table& table) const {
    for (std::uint32_t z = layers_; z > 0; --z)
      if (!table.fluid(material(column, z - 1)))
        return z;
    return 0;
  }

 private:
  // Switches chunk layer k to editing, once.
  base::status writable_layer(std::uint32_t k) {
    if (written_[k])
      return {};
    auto c = access_.edit(region_, geo::chunk_coord{u_, v_, k});
    if (!c)
      return c.error();
    written_[k] = *c;
    read_[k] = *c;
    return {};
  }

  static std::size_t index(std::size_t column, std::uint32_t z) {
    return column + (z % edge) * columns_per_chunk;
  }
  const compression::chunk* chunk_at(std::uint32_t z) const { return read_[z / edge]; }

  chunk_access& access_;
  S2CellId region_;
  std::uint32_t u_, v_;
  std::uint32_t layers_;
  effects& fx_;
  std::vector<const compression::chunk*> read_;
  std::vector<compression::chunk*> written_;
};

double altitude(const geo::world_spec& spec, std::uint32_t z) {
  return spec.z_min_m + (static_cast<double>(z) + 0.5) * spec.dz_m;
}

std::uint8_t fluid_at(const process_context& ctx, std::uint32_t z) {
  return altitude(ctx.grid.spec(), z) < ctx.sea_level_m ? material::water : material::air;
}

// Runs `per_column(block, column, amount, voxel_m3)` on every column with a non-zero amount.
template <class PerColumn>
base::result<effects> for_each_column(const process_context& ctx,
                                      const std::vector<chunk_column_values>& field,
                                      chunk_access& chunks, PerColumn per_column) {
  effects fx;
  for (const chunk_column_values& at : field) {
    column_block block(chunks, ctx.grid, at, fx);
    if (auto loaded = block.load(); !loaded)
      return loaded.error();
    const double voxel_m3 = at.column_area_m2 * ctx.grid.spec().dz_m;
    for (std::size_t column = 0; column < columns_per_chunk; ++column) {
      const float amount = at.value[column];
      if (amount == 0)
        continue;
      ++fx.columns;
      if (auto status = per_column(block, column, static_cast<double>(amount), voxel_m3, fx);
          !status)
        return status.error();
    }
  }
  return fx;
}

// for_each_column for amounts that are thicknesses (negative counts as 0), as whole voxels:
// `per_column(block, column, voxels, voxel_m3, fx)` runs where that is at least one.
template <class PerColumn>
base::result<effects> for_each_thickness(const process_context& ctx,
                                         const std::vector<chunk_column_values>& field,
                                         chunk_access& chunks, PerColumn per_column) {
  quantizer voxels;
  const double dz = ctx.grid.spec().dz_m;
  return for_each_column(ctx, field, chunks,
                         [&](column_block& block, std::size_t column, double amount,
                             double voxel_m3, effects& fx) -> base::status {
                           const long long n = voxels.take(std::max(amount, 0.0) / dz);
                           if (n <= 0)
                             return {};
                           return per_column(block, column, n, voxel_m3, fx);
                         });
}

// Turns one solid voxel of material `from` into `to`, flagged, accounting both volumes.
base::status replace(column_block& block, std::size_t column, std::uint32_t z, std::uint8_t from,
                     std::uint8_t to, std::uint8_t flag, double voxel_m3, effects& fx) {
  fx.removed_m3[from] += voxel_m3;
  fx.added_m3[to] += voxel_m3;
  return block.set(column, z, to, block.history(column, z) | flag);
}

base::status check_solid(const process_context& ctx, std::uint8_t material, const char* what) {
  if (!ctx.materials.find(material))
    return base::fail(base::errc::invalid_argument, std::string(what) + ": material " +
                                                        std::to_string(material) +
                                                        " is not in the world's table");
  if (ctx.materials.fluid(material))
    return base::fail(base::errc::invalid_argument, std::string(what) + ": " +
                                                        ctx.materials.find(material)->name +
                                                        " is a fluid; only solids are laid down");
  return {};
}

}  // namespace

base::result<effects> erode(const process_context& ctx,
                            const std::vector<chunk_column_values>& depth_m, chunk_access& chunks) {
  return for_each_thickness(
      ctx, depth_m, chunks,
      [&](column_block& block, std::size_t column, long long n, double voxel_m3,
          effects& fx) -> base::status {
        const std::uint32_t top = block.surface(column, ctx.materials);
        if (n > top)
          ++fx.columns_clipped;
        const std::uint32_t bottom = n > top ? 0 : top - static_cast<std::uint32_t>(n);
        for (std::uint32_t z = bottom; z < top; ++z) {
          const std::uint8_t m = block.material(column, z);
          if (ctx.materials.fluid(m))
            continue;  // a pocket of water or air inside the column is not rock to remove
          fx.removed_m3[m] += voxel_m3;
          if (auto s = block.set(column, z, fluid_at(ctx, z),
                                 block.history(column, z) | history::erosion);
              !s)
            return s;
        }
        return {};
      });
}

base::result<effects> deposit(const process_context& ctx,
                              const std::vector<chunk_column_values>& thickness_m,
                              const deposit_material& what, chunk_access& chunks,
                              std::uint8_t flag) {
  // The materials laid down and their shares.
  std::vector<std::pair<std::uint8_t, double>> shares;
  if (what.mix.empty()) {
    if (auto ok = check_solid(ctx, what.material, "deposition"); !ok)
      return ok.error();
    shares.emplace_back(what.material, 1.0);
  } else {
    double total = 0;
    std::map<std::uint8_t, double> by_material;
    for (const auto& [m, volume] : what.mix) {
      if (!std::isfinite(volume) || volume < 0)
        return base::fail(base::errc::invalid_argument, "deposition mix: the volume of material " +
                                                            std::to_string(m) +
                                                            " is negative or not finite");
      if (!ctx.materials.find(m))
        return base::fail(
            base::errc::invalid_argument,
            "deposition mix: material " + std::to_string(m) + " is not in the world's table");
      const std::uint8_t settles = ctx.materials.becomes(process::deposition, m);
      if (auto ok = check_solid(ctx, settles, "deposition mix"); !ok)
        return ok.error();
      by_material[settles] += volume;
      total += volume;
    }
    if (!(total > 0))
      return base::fail(base::errc::invalid_argument, "deposition mix: the total volume is 0");
    for (const auto& [m, volume] : by_material)
      shares.emplace_back(m, volume / total);
  }
  // Each voxel goes to the material furthest behind its share so far.
  std::vector<double> laid(shares.size(), 0);
  double laid_total = 0;
  auto next_material = [&]() {
    std::size_t best = 0;
    double most_behind = -1e300;
    for (std::size_t n = 0; n < shares.size(); ++n) {
      const double behind = shares[n].second * (laid_total + 1) - laid[n];
      if (behind > most_behind) {
        most_behind = behind;
        best = n;
      }
    }
    laid[best] += 1;
    laid_total += 1;
    return shares[best].first;
  };
  return for_each_thickness(
      ctx, thickness_m, chunks,
      [&](column_block& block, std::size_t column, long long n, double voxel_m3,
          effects& fx) -> base::status {
        const std::uint32_t bottom = block.surface(column, ctx.materials);
        const std::uint64_t wanted_top = bottom + static_cast<std::uint64_t>(n);
        if (wanted_top > block.layers())
          ++fx.columns_clipped;
        const auto top =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted_top, block.layers()));
        for (std::uint32_t z = bottom; z < top; ++z) {
          const std::uint8_t m = next_material();
          fx.added_m3[m] += voxel_m3;
          if (auto s = block.set(column, z, m, block.history(column, z) | flag); !s)
            return s;
        }
        return {};
      });
}

base::result<effects> displace(const process_context& ctx,
                               const std::vector<chunk_column_values>& uplift_m,
                               chunk_access& chunks) {
  quantizer voxels;
  const double dz = ctx.grid.spec().dz_m;
  const std::uint32_t layers = geo::voxel_layers(ctx.grid.spec());
  // The fluid of each altitude, once: a displaced column refills above its new surface.
  std::vector<std::uint8_t> fluid(layers);
  for (std::uint32_t z = 0; z < layers; ++z)
    fluid[z] = fluid_at(ctx, z);
  std::vector<std::uint8_t> old_material(layers), old_history(layers), material(layers),
      history_of(layers);
  return for_each_column(
      ctx, uplift_m, chunks,
      [&](column_block& block, std::size_t column, double uplift, double voxel_m3,
          effects& fx) -> base::status {
        const long long n = voxels.take(uplift / dz);
        if (n == 0)
          return {};
        // The column once into local arrays: every step below reads them, not the chunks.
        block.get_column(column, old_material.data(), old_history.data());
        std::uint32_t surface = layers;
        while (surface > 0 && ctx.materials.fluid(old_material[surface - 1]))
          --surface;
        const long long new_surface = static_cast<long long>(surface) + n;
        if (new_surface > static_cast<long long>(layers) || new_surface < 0)
          ++fx.columns_clipped;
        const auto solid_top =
            static_cast<std::uint32_t>(std::clamp<long long>(new_surface, 0, layers));
        // The solid part, shifted; below it the bottom voxel's material continues.
        for (std::uint32_t z = 0; z < solid_top; ++z) {
          const auto source =
              static_cast<std::uint32_t>(std::max(static_cast<long long>(z) - n, 0LL));
          material[z] = old_material[source];
          history_of[z] = old_history[source] | history::tectonics;
        }
        // Above it the fluid of each altitude; a voxel that stays fluid keeps its history.
        for (std::uint32_t z = solid_top; z < layers; ++z) {
          material[z] = fluid[z];
          history_of[z] = ctx.materials.fluid(old_material[z]) ? old_history[z] : 0;
        }
        // Solid pushed past the ceiling leaves the world.
        if (new_surface > static_cast<long long>(layers))
          for (long long z = static_cast<long long>(layers) - n; z < surface; ++z) {
            const std::uint8_t m = old_material[static_cast<std::size_t>(z)];
            if (!ctx.materials.fluid(m))
              fx.removed_m3[m] += voxel_m3;
          }
        return block.set_column(column, material.data(), history_of.data());
      });
}

base::result<effects> weather(const process_context& ctx,
                              const std::vector<chunk_column_values>& depth_m,
                              chunk_access& chunks) {
  return for_each_thickness(
      ctx, depth_m, chunks,
      [&](column_block& block, std::size_t column, long long n, double voxel_m3,
          effects& fx) -> base::status {
        const std::uint32_t top = block.surface(column, ctx.materials);
        const std::uint32_t bottom = n > top ? 0 : top - static_cast<std::uint32_t>(n);
        for (std::uint32_t z = bottom; z < top; ++z) {
          const std::uint8_t m = block.material(column, z);
          const std::uint8_t becomes = ctx.materials.becomes(process::weathering, m);
          if (becomes == m)
            continue;
          if (auto s = replace(block, column, z, m, becomes, history::weathering, voxel_m3, fx); !s)
            return s;
        }
        return {};
      });
}

base::result<effects> intrude(const process_context& ctx,
                              const std::vector<chunk_column_values>& thickness_m,
                              std::uint8_t material, double base_alt_m, chunk_access& chunks) {
  if (auto ok = check_solid(ctx, material, "intrusion"); !ok)
    return ok.error();
  if (!std::isfinite(base_alt_m))
    return base::fail(base::errc::invalid_argument, "intrusion: the base altitude is not finite");
  const geo::world_spec& spec = ctx.grid.spec();
  const double base_voxels = (base_alt_m - spec.z_min_m) / spec.dz_m;
  return for_each_thickness(
      ctx, thickness_m, chunks,
      [&](column_block& block, std::size_t column, long long n, double voxel_m3,
          effects& fx) -> base::status {
        const long long low = std::llround(base_voxels);
        const long long high = low + n;
        const std::uint32_t surface = block.surface(column, ctx.materials);
        if (low < 0 || high > static_cast<long long>(surface))
          ++fx.columns_clipped;
        const auto from = static_cast<std::uint32_t>(std::clamp<long long>(low, 0, surface));
        const auto to = static_cast<std::uint32_t>(std::clamp<long long>(high, 0, surface));
        for (std::uint32_t z = from; z < to; ++z) {
          const std::uint8_t m = block.material(column, z);
          if (m == material || ctx.materials.fluid(m))
            continue;
          if (auto s = replace(block, column, z, m, material, history::volcanism, voxel_m3, fx); !s)
            return s;
        }
        return {};
      });
}

base::result<effects> change_sea_level(const process_context& ctx, double level_m,
                                       const std::vector<chunk_column_values>& area,
                                       chunk_access& chunks) {
  if (!std::isfinite(level_m))
    return base::fail(base::errc::invalid_argument, "sea level: the level is not finite");
  const geo::world_spec& spec = ctx.grid.spec();
  return for_each_column(
      ctx, area, chunks,
      [&](column_block& block, std::size_t column, double, double, effects&) -> base::status {
        for (std::uint32_t z = block.surface(column, ctx.materials); z < block.layers(); ++z) {
          const std::uint8_t m = block.material(column, z);
          if (!ctx.materials.fluid(m))
            continue;
          const std::uint8_t now = altitude(spec, z) < level_m ? material::water : material::air;
          if (now == m)
            continue;
          if (auto s = block.set(column, z, now, block.history(column, z) | history::sea_level); !s)
            return s;
        }
        return {};
      });
}

namespace {

// Sets single voxels, grouped by chunk.
base::result<effects> set_each(const process_context& ctx, const std::vector<voxel_value>& voxels,
                               chunk_access& chunks) {
  effects fx;
  for (const voxel_value& v : voxels) {
    if (!ctx.materials.find(v.material))
      return base::fail(base::errc::invalid_argument,
                        "material " + std::to_string(v.material) + " is not in the world's table");
  }
  for (const voxel_value& v : voxels) {
    const geo::voxel_address at = ctx.grid.address(v.voxel);
    const std::size_t index = compression::voxel_index(at.x, at.y, at.z);
    auto view = chunks.view(at.region, at.chunk);
    if (!view)
      return view.error();
    const std::uint8_t before = (*view)->material[index];
    const std::uint8_t history_before = (*view)->history[index];
    const std::uint8_t history_after = history_before | history::edit;
    if (before == v.material && history_before == history_after)
      continue;
    auto c = chunks.edit(at.region, at.chunk);
    if (!c)
      return c.error();
    const double voxel_m3 = S2Cell(ctx.grid.column_cell(v.voxel)).ExactArea() *
                            S2Earth::RadiusMeters() * S2Earth::RadiusMeters() *
                            ctx.grid.spec().dz_m;
    if (!ctx.materials.fluid(before))
      fx.removed_m3[before] += voxel_m3;
    if (!ctx.materials.fluid(v.material))
      fx.added_m3[v.material] += voxel_m3;
    (*c)->material[index] = v.material;
    (*c)->history[index] = history_after;
    ++fx.voxels_changed;
  }
  fx.columns = voxels.size();
  return fx;
}

}  // namespace

base::result<effects> set_voxels(const process_context& ctx, const std::vector<voxel_value>& voxels,
                                 chunk_access& chunks) {
  // Every voxel is checked before any is set: a bad one changes nothing.
  for (const voxel_value& v : voxels)
    if (auto ok = ctx.grid.check(v.voxel); !ok)
      return ok.error();
  return set_each(ctx, voxels, chunks);
}

base::result<effects> fill_box(const process_context& ctx, const geo::position& min,
                               const geo::position& max, std::uint8_t material,
                               std::size_t chunk_columns_max, chunk_access& chunks,
                               std::span<const std::uint64_t> only_regions) {
  auto low = ctx.grid.locate(min);
  if (!low)
    return low.error();
  auto high = ctx.grid.locate(max);
  if (!high)
    return high.error();
  if (min.lat_deg > max.lat_deg || min.lng_deg > max.lng_deg || min.alt_m > max.alt_m)
    return base::fail(base::errc::invalid_argument,
                      "fill box: the minimum corner exceeds the maximum in latitude, longitude "
                      "or altitude");
  const S2LatLngRect rect(S2LatLng::FromDegrees(min.lat_deg, min.lng_deg),
                          S2LatLng::FromDegrees(max.lat_deg, max.lng_deg));
  auto cells = chunk_column_cells(ctx.grid, rect, rect.Area(), "box", chunk_columns_max);
  if (!cells)
    return cells.error();
  // Layers whose centres lie within [min.alt_m, max.alt_m].
  const geo::world_spec& spec = ctx.grid.spec();
  const auto k_low = static_cast<std::uint32_t>(
      std::max(0.0, std::ceil((min.alt_m - spec.z_min_m) / spec.dz_m - 0.5)));
  const auto k_high_signed = std::floor((max.alt_m - spec.z_min_m) / spec.dz_m - 0.5);
  std::vector<voxel_value> voxels;
  for (S2CellId cell : *cells) {
    if (!only_regions.empty() &&
        !std::binary_search(only_regions.begin(), only_regions.end(),
                            cell.parent(ctx.grid.spec().region_level).id()))
      continue;
    for (S2CellId column = cell.child_begin(ctx.grid.spec().voxel_level);
         column != cell.child_end(ctx.grid.spec().voxel_level); column = column.next()) {
      const S2LatLng centre(column.ToPoint());
      if (!rect.Contains(centre))
        continue;
      const geo::voxel v0 = ctx.grid.voxel_of(column, 0);
      for (std::uint32_t k = k_low; static_cast<double>(k) <= k_high_signed; ++k) {
        geo::voxel v = v0;
        v.k = k;
        voxels.push_back({v, material});
      }
    }
  }
  return set_each(ctx, voxels, chunks);
}

}  // namespace strata::geology
