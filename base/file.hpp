// Whole-file reading and writing, with errors as values.
#pragma once

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace strata::base {

/// The whole file. errc::not_found when it does not exist, errc::io_error when it cannot be read,
/// errc::limit_exceeded when it is larger than `bytes_max`. Messages name the path.
result<std::string> read_file(const std::string& path,
                              std::size_t bytes_max = std::size_t{1} << 34);

/// Replaces the file with `bytes`. errc::io_error (naming the path and the reason) on failure.
status write_file(const std::string& path, const std::string& bytes);

}  // namespace strata::base
