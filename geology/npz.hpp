// Reading NumPy arrays: .npy files and .npz archives (zip files of .npy members, stored or
// deflated), as shipped with real terrain in Debian's python-matplotlib-data.
//
// The reader trusts nothing: every offset and length in the zip directory and the .npy header is
// checked against the bytes present and against the limits below, CRC-32s are verified, and
// anything malformed or unsupported is an error value (errc::parse_error, errc::corrupt_data,
// errc::limit_exceeded, errc::unsupported_version), never a crash or a read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strata::geology {

/// An array's shape and values, converted to double in C (row-major) order.
struct npy_array {
  /// The NumPy dtype it was stored as, e.g. "<f4", "<i2".
  std::string dtype;
  /// Empty for a scalar.
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

/// Limits on what the reader accepts; the defaults fit every DEM strata ships with many times over.
struct npz_limits {
  std::size_t file_bytes_max = std::size_t{1} << 30;
  std::size_t member_bytes_max = std::size_t{1} << 30;
  std::size_t members_max = 1024;
};

/// Parses one .npy file. Supported dtypes: little-endian or native ints and floats of 1, 2, 4 and
/// 8 bytes ("<f4", "<f8", "<i2", "|u1", ...), C order.
base::result<npy_array> parse_npy(std::string_view bytes, const npz_limits& limits = {});

/// Parses a .npz archive: member name without ".npy" → array.
base::result<std::map<std::string, npy_array>> parse_npz(std::string_view bytes,
                                                         const npz_limits& limits = {});

/// Reads and parses a .npz file. errc::not_found / errc::io_error when it cannot be read.
base::result<std::map<std::string, npy_array>> read_npz(const std::string& path,
                                                        const npz_limits& limits = {});

}  // namespace strata::geology
