#include "geology/npz.hpp"

#include "base/file.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>

namespace strata::geology {

namespace {

static_assert(std::endian::native == std::endian::little,
              "the readers assume a little-endian host");

base::error malformed(const std::string& what) {
  return base::fail(base::errc::parse_error, what);
}

// Bounds-checked little-endian reads from a byte view.
class reader {
 public:
  explicit reader(std::string_view bytes) : bytes_(bytes) {}
  bool has(std::size_t at, std::size_t size) const {
    return at <= bytes_.size() && size <= bytes_.size() - at;
  }
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>(byte(at) | byte(at + 1) << 8);
  }
  std::uint32_t u32(std::size_t at) const {
    return static_cast<std::uint32_t>(u16(at)) | static_cast<std::uint32_t>(u16(at + 2)) << 16;
  }
  std::uint64_t u64(std::size_t at) const {
    return static_cast<std::uint64_t>(u32(at)) | static_cast<std::uint64_t>(u32(at + 4)) << 32;
  }
  std::string_view slice(std::size_t at, std::size_t size) const { return bytes_.substr(at, size); }

 private:
  std::uint32_t byte(std::size_t at) const { return static_cast<unsigned char>(bytes_[at]); }
  std::string_view bytes_;
};

// Reads `count` values of a dtype from `data` into doubles.
template <class T>
void convert(std::string_view data, std::size_t count, std::vector<double>& out) {
  out.resize(count);
  for (std::size_t n = 0; n < count; ++n) {
    T value;
    std::memcpy(&value, data.data() + n * sizeof(T), sizeof(T));
    out[n] = static_cast<double>(value);
  }
}

// Finds `'key': value` in a .npy header dict and returns the value text up to its end.
std::string_view dict_value(std::string_view header, std::string_view key) {
  const std::string quoted = "'" + std::string(key) + "'";
  const auto at = header.find(quoted);
  if (at == std::string_view::npos)
    return {};
  auto start = header.find(':', at + quoted.size());
  if (start == std::string_view::npos)
    return {};
  ++start;
  while (start < header.size() && header[start] == ' ')
    ++start;
  if (start >= header.size())
    return {};
  std::size_t end = start;
  if (header[start] == '(') {
    end = header.find(')', start);
    return end == std::string_view::npos ? std::string_view{}
                                         : header.substr(start, end - start + 1);
  }
  if (header[start] == '\'') {
    end = header.find('\'', start + 1);
    return end == std::string_view::npos ? std::string_view{}
                                         : header.substr(start + 1, end - start - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}')
    ++end;
  return header.substr(start, end - start);
}

base::status inflate_raw(std::string_view compressed, std::string& out, std::size_t size) {
  out.assign(size, '\0');
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return base::fail(base::errc::io_error, "zlib could not start");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int code = inflate(&stream, Z_FINISH);
  const std::size_t produced = stream.total_out;
  inflateEnd(&stream);
  if (code != Z_STREAM_END || produced != size)
    return base::fail(
        base::errc::corrupt_data,
        "deflated member does not inflate to its recorded " + std::to_string(size) + " bytes");
  return {};
}

}  // namespace

base::result<npy_array> parse_npy(std::string_view bytes, const npz_limits& limits) {
  const reader in(bytes);
  if (!in.has(0, 10) || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6))
    return malformed("not a .npy file (magic \\x93NUMPY missing)");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_size = 0, header_at = 0;
  if (major == 1) {
    header_size = in.u16(8);
    header_at = 10;
  } else if (major == 2 || major == 3) {
    if (!in.has(0, 12))
      return malformed(".npy header truncated");
    header_size = in.u32(8);
    header_at = 12;
  } else {
    return base::fail(base::errc::unsupported_version,
                      ".npy format version " + std::to_string(major) + " (1 to 3 are read)");
  }
  if (!in.has(header_at, header_size))
    return malformed(".npy header runs past the end");
  const std::string_view header = in.slice(header_at, header_size);
  npy_array array;
  array.dtype = std::string(dict_value(header, "descr"));
  const std::string_view fortran = dict_value(header, "fortran_order");
  const std::string_view shape = dict_value(header, "shape");
  if (array.dtype.size() < 3 || fortran.empty() || shape.empty())
    return malformed(".npy header lacks descr, fortran_order or shape");
  if (fortran != "False")
    return base::fail(base::errc::unsupported_version, "Fortran-ordered .npy arrays are not read");
  std::size_t count = 1;
  for (std::size_t at = 1; at + 1 < shape.size();) {
    while (at < shape.size() && (shape[at] == ' ' || shape[at] == ','))
      ++at;
    if (at + 1 >= shape.size())
      break;
    std::size_t dimension = 0, digits = 0;
    while (at < shape.size() && shape[at] >= '0' && shape[at] <= '9') {
      dimension = dimension * 10 + static_cast<std::size_t>(shape[at++] - '0');
      if (++digits > 12)
        return base::fail(base::errc::limit_exceeded, ".npy dimension too large");
    }
    if (digits == 0)
      return malformed(".npy shape is not a tuple of integers");
    array.shape.push_back(dimension);
    if (dimension != 0 && count > limits.member_bytes_max / dimension)
      return base::fail(base::errc::limit_exceeded, ".npy array too large");
    count *= dimension;
  }
  const char order = array.dtype[0];
  const char type = array.dtype[1];
  const std::string_view width_text = std::string_view(array.dtype).substr(2);
  if (order == '>')
    return base::fail(base::errc::unsupported_version, "big-endian .npy arrays are not read");
  if (order != '<' && order != '|' && order != '=')
    return malformed(".npy dtype " + array.dtype + " has no byte order");
  const std::size_t width = width_text == "1"   ? 1
                            : width_text == "2" ? 2
                            : width_text == "4" ? 4
                            : width_text == "8" ? 8
                                                : 0;
  if (width == 0 || (type != 'f' && type != 'i' && type != 'u') || (type == 'f' && width < 4))
    return base::fail(base::errc::unsupported_version,
                      ".npy dtype " + array.dtype + " is not read");
  const std::size_t data_at = header_at + header_size;
  if (count > limits.member_bytes_max / width)
    return base::fail(base::errc::limit_exceeded, ".npy array too large");
  if (!in.has(data_at, count * width) || bytes.size() - data_at != count * width)
    return malformed(".npy data is " + std::to_string(bytes.size() - data_at) +
                     " bytes; its shape and dtype need " + std::to_string(count * width));
  const std::string_view data = in.slice(data_at, count * width);
  switch (type * 16 + static_cast<int>(width)) {
    case 'f' * 16 + 4:
      convert<float>(data, count, array.values);
      break;
    case 'f' * 16 + 8:
      convert<double>(data, count, array.values);
      break;
    case 'i' * 16 + 1:
      convert<std::int8_t>(data, count, array.values);
      break;
    case 'i' * 16 + 2:
      convert<std::int16_t>(data, count, array.values);
      break;
    case 'i' * 16 + 4:
      convert<std::int32_t>(data, count, array.values);
      break;
    case 'i' * 16 + 8:
      convert<std::int64_t>(data, count, array.values);
      break;
    case 'u' * 16 + 1:
      convert<std::uint8_t>(data, count, array.values);
      break;
    case 'u' * 16 + 2:
      convert<std::uint16_t>(data, count, array.values);
      break;
    case 'u' * 16 + 4:
      convert<std::uint32_t>(data, count, array.values);
      break;
    case 'u' * 16 + 8:
      convert<std::uint64_t>(data, count, array.values);
      break;
  }
  return array;
}

base::result<std::map<std::string, npy_array>> parse_npz(std::string_view bytes,
                                                         const npz_limits& limits) {
  const reader in(bytes);
  if (bytes.size() > limits.file_bytes_max)
    return base::fail(base::errc::limit_exceeded, ".npz file larger than the limit");
  // The end-of-central-directory record is 22 bytes plus a comment of up to 65535 bytes.
  constexpr std::uint32_t eocd_signature = 0x06054b50;
  std::size_t eocd = std::string_view::npos;
  for (std::size_t back = 22; back <= bytes.size() && back <= 22 + 65535; ++back) {
    if (in.u32(bytes.size() - back) == eocd_signature) {
      eocd = bytes.size() - back;
      break;
    }
  }
  if (eocd == std::string_view::npos)
    return malformed("not a zip file (no end of central directory)");
  const std::size_t members = in.u16(eocd + 10);
  const std::size_t directory_at = in.u32(eocd + 16);
  if (members > limits.members_max)
    return base::fail(base::errc::limit_exceeded, ".npz has too many members");
  std::map<std::string, npy_array> arrays;
  std::size_t at = directory_at;
  for (std::size_t n = 0; n < members; ++n) {
    if (!in.has(at, 46) || in.u32(at) != 0x02014b50)
      return malformed("zip central directory entry " + std::to_string(n) + " is malformed");
    const std::uint16_t method = in.u16(at + 10);
    const std::uint32_t crc = in.u32(at + 16);
    std::uint64_t compressed_size = in.u32(at + 20);
    std::uint64_t size = in.u32(at + 24);
    const std::size_t name_size = in.u16(at + 28), extra_size = in.u16(at + 30),
                      comment_size = in.u16(at + 32);
    std::uint64_t local_at = in.u32(at + 42);
    if (!in.has(at + 46, name_size + extra_size + comment_size))
      return malformed("zip central directory entry " + std::to_string(n) + " runs past the end");
    std::string name(in.slice(at + 46, name_size));
    // Zip64: sizes and offset of 0xffffffff are in the extra field with id 1, in this order.
    for (std::size_t extra = at + 46 + name_size; extra + 4 <= at + 46 + name_size + extra_size;) {
      const std::uint16_t id = in.u16(extra), field_size = in.u16(extra + 2);
      if (!in.has(extra + 4, field_size))
        break;
      if (id == 1) {
        std::size_t field = extra + 4, field_end = field + field_size;
        auto next = [&](std::uint64_t& value) {
          if (value == 0xffffffff && field + 8 <= field_end) {
            value = in.u64(field);
            field += 8;
          }
        };
        next(size);
        next(compressed_size);
        next(local_at);
      }
      extra += 4 + field_size;
    }
    at += 46 + name_size + extra_size + comment_size;
    if (size > limits.member_bytes_max || compressed_size > bytes.size())
      return base::fail(base::errc::limit_exceeded, "zip member " + name + " is too large");
    if (!in.has(local_at, 30) || in.u32(local_at) != 0x04034b50)
      return malformed("zip member " + name + " has no local header");
    const std::size_t data_at = local_at + 30 + in.u16(local_at + 26) + in.u16(local_at + 28);
    if (!in.has(data_at, compressed_size))
      return malformed("zip member " + name + " runs past the end");
    const std::string_view stored = in.slice(data_at, compressed_size);
    std::string inflated;
    std::string_view content;
    if (method == 0) {
      if (compressed_size != size)
        return malformed("stored zip member " + name + " changes size");
      content = stored;
    } else if (method == 8) {
      if (auto done = inflate_raw(stored, inflated, size); !done)
        return done.error();
      content = inflated;
    } else {
      return base::fail(
          base::errc::unsupported_version,
          "zip member " + name + " uses compression method " + std::to_string(method));
    }
    const auto actual = crc32(0L, reinterpret_cast<const Bytef*>(content.data()),
                              static_cast<uInt>(content.size()));
    if (actual != crc)
      return base::fail(base::errc::corrupt_data, "zip member " + name + " fails its CRC-32");
    auto array = parse_npy(content, limits);
    if (!array)
      return base::fail(array.error().code, name + ": " + array.error().message);
    if (name.size() > 4 && name.ends_with(".npy"))
      name.resize(name.size() - 4);
    arrays[name] = std::move(*array);
  }
  return arrays;
}

base::result<std::map<std::string, npy_array>> read_npz(const std::string& path,
                                                        const npz_limits& limits) {
  auto bytes = base::read_file(path, limits.file_bytes_max);
  if (!bytes)
    return bytes.error();
  auto arrays = parse_npz(*bytes, limits);
  if (!arrays)
    return base::fail(arrays.error().code, path + ": " + arrays.error().message);
  return arrays;
}

}  // namespace strata::geology
