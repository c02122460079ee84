# Finds s2geometry from Debian's libs2-dev, which ships no CMake config.
#
# Defines S2_FOUND and the imported target S2::s2, which carries the Abseil targets its headers
# need (Debian's s2 is built against the system absl, whose string_view is its own type).

find_path(S2_INCLUDE_DIR s2/s2cell_id.h)
find_library(S2_LIBRARY s2)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(S2 REQUIRED_VARS S2_INCLUDE_DIR S2_LIBRARY)

if(S2_FOUND AND NOT TARGET S2::s2)
  find_package(absl CONFIG REQUIRED)
  add_library(S2::s2 SHARED IMPORTED)
  set_target_properties(S2::s2 PROPERTIES
    IMPORTED_LOCATION "${S2_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${S2_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "absl::base;absl::strings;absl::flat_hash_map;absl::btree;absl::span")
endif()
mark_as_advanced(S2_INCLUDE_DIR S2_LIBRARY)
