#include "compression/lod.hpp"

#include <cstring>
#include <vector>

namespace strata::compression {

namespace {

// The mode of 8 values, ties to the largest. Small and branchy but exact: counts pairs. Most
// blocks of layered ground are one material: those are answered by one comparison of 8 bytes.
std::uint8_t mode8(const std::uint8_t (&v)[8]) {
  std::uint64_t packed;
  std::memcpy(&packed, v, 8);
  if (packed == v[0] * 0x0101010101010101ull)
    return v[0];
  std::uint8_t best = v[0];
  int best_count = 0;
  for (int a = 0; a < 8; ++a) {
    int count = 0;
    for (int b = 0; b < 8; ++b)
      count += v[a] == v[b];
    if (count > best_count || (count == best_count && v[a] > best)) {
      best_count = count;
      best = v[a];
    }
  }
  return best;
}

}  // namespace

chunk downsample(const std::array<const chunk*, 8>& children) {
  static const chunk air{};
  chunk parent;
  for (unsigned child = 0; child < 8; ++child) {
    const chunk& source = children[child] ? *children[child] : air;
    // This child fills one octant of the parent: 16^3 parent voxels, each from 2^3 of its voxels.
    const unsigned ox = (child & 1) * 16, oy = (child >> 1 & 1) * 16, oz = (child >> 2) * 16;
    for (unsigned z = 0; z < 16; ++z) {
      for (unsigned y = 0; y < 16; ++y) {
        for (unsigned x = 0; x < 16; ++x) {
          std::uint8_t materials[8];
          std::uint8_t history = 0;
          for (unsigned n = 0; n < 8; ++n) {
            const std::size_t at =
                voxel_index(2 * x + (n & 1), 2 * y + (n >> 1 & 1), 2 * z + (n >> 2));
            materials[n] = source.material[at];
            history |= source.history[at];
          }
          const std::size_t to = voxel_index(ox + x, oy + y, oz + z);
          parent.material[to] = mode8(materials);
          parent.history[to] = history;
        }
      }
    }
  }
  return parent;
}

std::map<std::uint64_t, chunk> downsample_level(const std::map<std::uint64_t, chunk>& level) {
  std::map<std::uint64_t, chunk> parents;
  for (auto it = level.begin(); it != level.end();) {
    const std::uint64_t parent = it->first >> 3;
    std::array<const chunk*, 8> children{};
    // Children of one parent are adjacent in Morton order, so one pass gathers them.
    for (; it != level.end() && it->first >> 3 == parent; ++it)
      children[it->first & 7] = &it->second;
    parents.emplace(parent, downsample(children));
  }
  return parents;
}

std::vector<std::map<std::uint64_t, chunk>> build_pyramid(
    const std::map<std::uint64_t, chunk>& lod0) {
  std::vector<std::map<std::uint64_t, chunk>> levels;
  // Until one chunk at Morton code 0 is left, which covers the whole region.
  auto done = [](const std::map<std::uint64_t, chunk>& level) {
    return level.empty() || (level.size() == 1 && level.begin()->first == 0);
  };
  if (done(lod0))
    return levels;
  levels.push_back(downsample_level(lod0));
  while (!done(levels.back())) {
    auto next = downsample_level(levels.back());
    levels.push_back(std::move(next));
  }
  return levels;
}

}  // namespace strata::compression
