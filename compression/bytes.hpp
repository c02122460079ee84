// Bounds-checked byte reading and writing for the codecs and the chunk byte format.
//
// The reader never reads past its view: every read says whether it succeeded, and a failed read
// leaves the reader marked bad, so a decoder can do a run of reads and check once. Varints are
// LEB128 (7 bits a byte, low bits first), at most 10 bytes; a value past 64 bits is refused.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::compression {

/// A small signed number as a byte: 0, -1, 1, -2, ... as 0, 1, 2, 3, ...
inline std::uint8_t zigzag(int value) {
  return static_cast<std::uint8_t>(value >= 0 ? 2 * value : -2 * value - 1);
}
inline int unzigzag(std::uint8_t value) {
  return static_cast<int>(value >> 1) ^ -static_cast<int>(value & 1);
}
/// The same for any 64-bit number (a varint's worth).
inline std::uint64_t zigzag64(std::int64_t v) {
  return v >= 0 ? static_cast<std::uint64_t>(v) * 2
                : (static_cast<std::uint64_t>(-(v + 1)) * 2) + 1;
}
inline std::int64_t unzigzag64(std::uint64_t v) {
  return v & 1 ? -static_cast<std::int64_t>(v >> 1) - 1 : static_cast<std::int64_t>(v >> 1);
}

class byte_writer {
 public:
  explicit byte_writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void u32(std::uint32_t value) {
    for (int n = 0; n < 4; ++n)
      u8(static_cast<std::uint8_t>(value >> (8 * n)));
  }
  void u64(std::uint64_t value) {
    for (int n = 0; n < 8; ++n)
      u8(static_cast<std::uint8_t>(value >> (8 * n)));
  }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      u8(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    u8(static_cast<std::uint8_t>(value));
  }
  void bytes(const void* data, std::size_t size) {
    out_.append(static_cast<const char*>(data), size);
  }
  std::size_t size() const { return out_.size(); }

 private:
  std::string& out_;
};

class byte_reader {
 public:
  explicit byte_reader(std::string_view in) : in_(in) {}

  bool u8(std::uint8_t& value) {
    if (!need(1))
      return false;
    value = static_cast<std::uint8_t>(in_[at_++]);
    return true;
  }
  bool u32(std::uint32_t& value) {
    if (!need(4))
      return false;
    value = 0;
    for (int n = 0; n < 4; ++n)
      value |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(in_[at_++])) << (8 * n);
    return true;
  }
  bool u64(std::uint64_t& value) {
    if (!need(8))
      return false;
    value = 0;
    for (int n = 0; n < 8; ++n)
      value |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[at_++])) << (8 * n);
    return true;
  }
  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      std::uint8_t byte = 0;
      if (!u8(byte))
        return false;
      if (shift == 63 && byte > 1)
        return fail();  // would overflow 64 bits
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return fail();
  }
  /// A view of the next `size` bytes, valid as long as the reader's input.
  bool bytes(std::size_t size, std::string_view& view) {
    if (!need(size))
      return false;
    view = in_.substr(at_, size);
    at_ += size;
    return true;
  }
  std::size_t remaining() const { return in_.size() - at_; }
  bool good() const { return good_; }
  bool at_end() const { return at_ == in_.size(); }

 private:
  bool need(std::size_t size) {
    if (!good_ || size > in_.size() - at_)
      return fail();
    return true;
  }
  bool fail() {
    good_ = false;
    return false;
  }
  std::string_view in_;
  std::size_t at_ = 0;
  bool good_ = true;
};

}  // namespace strata::compression
