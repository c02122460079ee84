#include "compression/analysis.hpp"

#include <algorithm>
#include <cstring>

namespace strata::compression {

analysis analyze(channel_view in) {
  analysis a;
  std::array<std::uint32_t, 256> histogram{};
  for (std::uint8_t v : in)
    ++histogram[v];
  std::uint32_t most = 0;
  for (int v = 0; v < 256; ++v) {
    if (histogram[v] == 0)
      continue;
    ++a.distinct;
    if (histogram[v] > most) {
      most = histogram[v];
      a.dominant = static_cast<std::uint8_t>(v);
    }
  }
  a.dominant_share = static_cast<double>(most) / voxels;
  for (int w = 0; w < walks; ++w)
    a.runs[w] = count_runs(in, static_cast<walk>(w));
  a.best_walk = static_cast<walk>(std::min_element(a.runs.begin(), a.runs.end()) - a.runs.begin());

  // Layers per column, and whether each column repeats the one before it.
  std::size_t layers_total = 0;
  for (std::size_t column = 0; column < edge * edge; ++column) {
    unsigned layers = 1;
    bool same_as_previous = column > 0;
    for (std::size_t z = 0; z < edge; ++z) {
      const std::size_t at = column + z * edge * edge;
      if (z > 0 && in[at] != in[at - edge * edge])
        ++layers;
      if (same_as_previous && in[at] != in[at - 1])
        same_as_previous = false;
    }
    layers_total += layers;
    a.layers_max = std::max(a.layers_max, layers);
    a.repeated_columns += same_as_previous;
  }
  a.layers_per_column = static_cast<double>(layers_total) / (edge * edge);

  a.recommended = codec_id::uniform;
  a.estimated_bytes = 1;
  if (a.distinct > 1) {
    double best = 1e300;
    for (codec_id id : {codec_id::run_length, codec_id::palette, codec_id::column_layers,
                        codec_id::zstd, codec_id::zstd_transform}) {
      const double bytes = estimate_bytes(a, id);
      if (bytes < best) {
        best = bytes;
        a.recommended = id;
      }
    }
    a.estimated_bytes = static_cast<std::size_t>(best);
  }
  return a;
}

double estimate_bytes(const analysis& a, codec_id id, codec_id inner) {
  const double runs = static_cast<double>(a.runs[static_cast<int>(a.best_walk)]);
  const double columns_stored = edge * edge - a.repeated_columns;
  const double layers_stored = columns_stored * a.layers_per_column;
  switch (id) {
    case codec_id::uniform:
      return a.distinct == 1 ? 1 : 1e300;
    case codec_id::run_length:
      // A value byte and a varint of about one byte per run.
      return 1 + runs * 2.0;
    case codec_id::palette: {
      const int bits = a.distinct <= 2 ? 1 : a.distinct <= 4 ? 2 : a.distinct <= 16 ? 4 : 8;
      return 1 + a.distinct + voxels * bits / 8.0;
    }
    case codec_id::octree:
      // Layer boundaries off power-of-two heights split cubes down to single voxels along z, so
      // leaves grow with the layers in every column.
      return 8 + edge * edge * (a.layers_per_column - 1) * 1.3;
    case codec_id::column_layers:
      return edge * edge + 2 * layers_stored;
    case codec_id::predicted_layers:
      // A mode byte per column and a residual per layer boundary.
      return edge * edge * a.layers_per_column;
    case codec_id::walk_raw:
      return 1 + voxels;
    case codec_id::context_layers:
      // Measured on stratified chunks: a fraction of a bit per column predicted exactly, about
      // a bit per boundary of the others (a repeated column is one that is predicted).
      return 4 + edge * edge * 0.015 +
             (edge * edge - a.repeated_columns) * (a.layers_per_column - 1) * 0.12;
    case codec_id::surface_layers:
    case codec_id::ordered_surfaces:
      // Measured on stratified chunks: a few bytes per surface (a plane), and about a bit and a
      // half per boundary of a surface that no plane fits.
      return 4 + edge * edge * 0.01 +
             (edge * edge - a.repeated_columns) * (a.layers_per_column - 1) * 0.15;
    case codec_id::surface_bytes:
      // A byte per column of each surface no plane fits.
      return 16 + edge * edge * 0.05 +
             (edge * edge - a.repeated_columns) * (a.layers_per_column - 1) * 1.0;
    case codec_id::zstd:
      // zstd's frame and block headers, and about a byte per run it has to describe.
      return 12 + runs * 1.1;
    case codec_id::zstd_transform:
      // Measured on stratified chunks: zstd leaves about half a byte per run of the transform.
      switch (inner) {
        case codec_id::column_layers:
          return 30 + runs * 0.4;
        case codec_id::run_length:
          return 20 + runs * 0.5;
        case codec_id::palette:
          return 20 + runs * 0.55;
        case codec_id::octree:
          return 40 + runs * 1.1;
        case codec_id::predicted_layers:
          // Planar strata leave mostly zero residuals.
          return 30 + runs * 0.25;
        case codec_id::walk_raw:
          // Up each column, zstd matches whole columns against their neighbours.
          return 20 + runs * 0.3;
        case codec_id::surface_bytes:
          // Measured on both worlds: about half as much again as ordered_surfaces.
          return 12 + 1.5 * estimate_bytes(a, codec_id::ordered_surfaces, codec_id::uniform);
        default:
          return 1e300;
      }
    case codec_id::baseline_delta:
    case codec_id::baseline_columns:
      break;
  }
  return 1e300;
}

}  // namespace strata::compression
