// Proves Morton encoding interleaves bits as documented and round-trips every coordinate value.
#include "geo/morton.hpp"

#include <gtest/gtest.h>

#include <random>

#include "base/testing.hpp"

namespace strata::geo {
namespace {

// The definition, bit by bit, to check the fast version against.
std::uint64_t morton_reference(std::uint32_t u, std::uint32_t v, std::uint32_t k) {
  std::uint64_t code = 0;
  for (int b = 0; b < morton_axis_bits; ++b) {
    code |= std::uint64_t{(u >> b) & 1} << (3 * b);
    code |= std::uint64_t{(v >> b) & 1} << (3 * b + 1);
    code |= std::uint64_t{(k >> b) & 1} << (3 * b + 2);
  }
  return code;
}

TEST(morton, small_codes_follow_the_documented_bit_order) {
  EXPECT_EQ(morton_encode(1, 0, 0), 1u);
  EXPECT_EQ(morton_encode(0, 1, 0), 2u);
  EXPECT_EQ(morton_encode(0, 0, 1), 4u);
  EXPECT_EQ(morton_encode(2, 0, 0), 8u);
  EXPECT_EQ(morton_encode(morton_axis_limit - 1, morton_axis_limit - 1, morton_axis_limit - 1),
            (std::uint64_t{1} << 63) - 1);
  static_assert(morton_decode(morton_encode(3, 5, 7)) == morton_coords{3, 5, 7});
}

TEST(morton, every_value_of_every_axis_round_trips) {
  // Exhaustive per axis: 2^21 values each, with the other axes set to distinct patterns.
  for (std::uint32_t x = 0; x < morton_axis_limit; ++x) {
    std::uint32_t other = (x * 2654435761u) & (morton_axis_limit - 1);
    auto code = morton_encode(x, other, x ^ 0x155555);
    ASSERT_EQ(code, morton_reference(x, other, x ^ 0x155555)) << x;
    ASSERT_EQ(morton_decode(code), (morton_coords{x, other, x ^ 0x155555})) << x;
  }
}

TEST(morton, random_triples_round_trip_and_keep_order_within_an_octant) {
  const unsigned seed = base::test_seed("morton.random_triples");
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::uint32_t> coordinate(0, morton_axis_limit - 1);
  for (int n = 0; n < 200000; ++n) {
    morton_coords c{coordinate(random), coordinate(random), coordinate(random)};
    auto code = morton_encode(c.u, c.v, c.k);
    ASSERT_EQ(code, morton_reference(c.u, c.v, c.k)) << "seed " << seed;
    ASSERT_EQ(morton_decode(code), c) << "seed " << seed;
    // A chunk and its +1 neighbour in the same 2x2x2 octant are adjacent in code.
    if ((c.u & 1) == 0) {
      ASSERT_EQ(morton_encode(c.u + 1, c.v, c.k), code + 1) << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace strata::geo
