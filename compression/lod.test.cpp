// Proves downsampling takes the mode with ties to the largest id, ORs history, places each child
// in its octant, and that a pyramid ends in one chunk whose content follows from LOD 0.
#include "compression/lod.hpp"

#include <gtest/gtest.h>

namespace strata::compression {
namespace {

TEST(lod, mode_with_deterministic_ties_and_or_of_history) {
  chunk child;
  // The first 2x2x2 block: five 3s and three 7s -> 3. The next along x: four 0s, four 1s -> 1.
  for (unsigned n = 0; n < 8; ++n) {
    const std::size_t at = voxel_index(n & 1, n >> 1 & 1, n >> 2);
    child.material[at] = n < 5 ? 3 : 7;
    child.history[at] = static_cast<std::uint8_t>(1u << n);
    child.material[voxel_index(2 + (n & 1), n >> 1 & 1, n >> 2)] = n < 4 ? 0 : 1;
  }
  const chunk parent =
      downsample({&child, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr});
  EXPECT_EQ(parent.material[voxel_index(0, 0, 0)], 3);
  EXPECT_EQ(parent.history[voxel_index(0, 0, 0)], 0xff);
  EXPECT_EQ(parent.material[voxel_index(1, 0, 0)], 1);
  // Missing children are air.
  EXPECT_EQ(parent.material[voxel_index(31, 31, 31)], 0);
}

TEST(lod, children_land_in_their_octants) {
  std::array<chunk, 8> children;
  for (unsigned n = 0; n < 8; ++n) {
    children[n].material.fill(static_cast<std::uint8_t>(10 + n));
    children[n].history.fill(static_cast<std::uint8_t>(n));
  }
  std::array<const chunk*, 8> pointers;
  for (unsigned n = 0; n < 8; ++n)
    pointers[n] = &children[n];
  const chunk parent = downsample(pointers);
  for (unsigned n = 0; n < 8; ++n) {
    const unsigned x = (n & 1) * 16 + 5, y = (n >> 1 & 1) * 16 + 9, z = (n >> 2) * 16 + 15;
    EXPECT_EQ(parent.material[voxel_index(x, y, z)], 10 + n) << n;
    EXPECT_EQ(parent.history[voxel_index(x, y, z)], n) << n;
  }
}

TEST(lod, a_pyramid_ends_in_one_chunk) {
  // A region 4 x 4 chunks wide and 3 chunk layers tall: layers 0 and 1 rock (5), layer 2 air.
  std::map<std::uint64_t, chunk> lod0;
  for (std::uint32_t k = 0; k < 3; ++k)
    for (std::uint32_t v = 0; v < 4; ++v)
      for (std::uint32_t u = 0; u < 4; ++u) {
        chunk c;
        c.material.fill(k < 2 ? 5 : 0);
        std::uint64_t code = 0;
        for (int b = 0; b < 2; ++b)
          code |= std::uint64_t{(u >> b) & 1} << (3 * b) |
                  std::uint64_t{(v >> b) & 1} << (3 * b + 1) |
                  std::uint64_t{(k >> b) & 1} << (3 * b + 2);
        lod0.emplace(code, c);
      }
  const auto pyramid = build_pyramid(lod0);
  ASSERT_EQ(pyramid.size(), 2u);
  EXPECT_EQ(pyramid[0].size(), 2u * 2u * 2u);
  ASSERT_EQ(pyramid[1].size(), 1u);
  const chunk& top = pyramid[1].begin()->second;
  // At LOD 2 the region's 96 voxel layers of which 64 are rock shrink to 24 of 32 parent layers:
  // the bottom 16 rock, the rest air (layer 3 of LOD 0 did not exist, so it is air too).
  EXPECT_EQ(top.material[voxel_index(0, 0, 0)], 5);
  EXPECT_EQ(top.material[voxel_index(31, 31, 15)], 5);
  EXPECT_EQ(top.material[voxel_index(0, 0, 16)], 0);
}

}  // namespace
}  // namespace strata::compression
