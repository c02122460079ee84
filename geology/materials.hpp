// The default material table: the ids strata's generator writes and every world starts with.
// Ids are stored in voxels and never renumbered; air is 0 and water 1 in every world, and ids
// grow from fluids to sediments to hard rock, which LOD downsampling relies on to let solid ground
// win a tie (compression/lod.hpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::geology {

namespace material {
inline constexpr std::uint8_t air = 0;
inline constexpr std::uint8_t water = 1;
inline constexpr std::uint8_t sediment = 2;
inline constexpr std::uint8_t soil = 3;
inline constexpr std::uint8_t sand = 4;
inline constexpr std::uint8_t sandstone = 5;
inline constexpr std::uint8_t shale = 6;
inline constexpr std::uint8_t limestone = 7;
inline constexpr std::uint8_t granite = 8;
inline constexpr std::uint8_t basalt = 9;
inline constexpr std::uint8_t weathered_granite = 10;
inline constexpr std::uint8_t count = 11;
}  // namespace material

/// The name of a default material id ("granite"); "unknown" past the table.
std::string_view material_name(std::uint8_t id);

}  // namespace strata::geology
