#include "base/file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace strata::base {

result<std::string> read_file(const std::string& path, std::size_t bytes_max) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    const int why = errno;
    return fail(why == ENOENT ? errc::not_found : errc::io_error,
                "cannot read " + path + ": " + std::strerror(why));
  }
  const std::streamoff size = in.tellg();
  if (size < 0)
    return fail(errc::io_error, "cannot tell the size of " + path);
  if (static_cast<std::size_t>(size) > bytes_max)
    return fail(errc::limit_exceeded, path + " is " + std::to_string(size) +
                                          " bytes; the limit is " + std::to_string(bytes_max));
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  in.read(bytes.data(), size);
  if (!in)
    return fail(errc::io_error, "error reading " + path);
  return bytes;
}

status write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out)
    return fail(errc::io_error, "cannot write " + path + ": " + std::strerror(errno));
  return {};
}

}  // namespace strata::base
