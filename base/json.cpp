#include "base/json.hpp"

#include <charconv>
#include <cmath>

#include "base/assert.hpp"

namespace strata::base {

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  STRATA_ASSERT(scopes_.empty() || scopes_.back() == scope::array,
                "a value inside a JSON object needs a key first");
  if (!first_)
    out_ += ',';
  first_ = false;
}

void json_writer::raw(std::string_view text) {
  before_value();
  out_ += text;
}

json_writer& json_writer::begin_object() {
  before_value();
  out_ += '{';
  scopes_.push_back(scope::object);
  first_ = true;
  return *this;
}

json_writer& json_writer::end_object() {
  STRATA_ASSERT(!scopes_.empty() && scopes_.back() == scope::object && !after_key_,
                "end_object without a matching begin_object");
  scopes_.pop_back();
  out_ += '}';
  first_ = false;
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_ += '[';
  scopes_.push_back(scope::array);
  first_ = true;
  return *this;
}

json_writer& json_writer::end_array() {
  STRATA_ASSERT(!scopes_.empty() && scopes_.back() == scope::array,
                "end_array without a matching begin_array");
  scopes_.pop_back();
  out_ += ']';
  first_ = false;
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  STRATA_ASSERT(!scopes_.empty() && scopes_.back() == scope::object && !after_key_,
                "a JSON key outside an object");
  if (!first_)
    out_ += ',';
  first_ = false;
  out_ += json_quote(name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view text) {
  raw(json_quote(text));
  return *this;
}

json_writer& json_writer::value(bool flag) {
  raw(flag ? "true" : "false");
  return *this;
}

json_writer& json_writer::value(double number) {
  if (!std::isfinite(number))
    return null();
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
  STRATA_ASSERT(ec == std::errc(), "a double always fits 32 characters");
  raw(std::string_view(buffer, end - buffer));
  return *this;
}

json_writer& json_writer::value(std::int64_t number) {
  raw(std::to_string(number));
  return *this;
}

json_writer& json_writer::value(std::uint64_t number) {
  raw(std::to_string(number));
  return *this;
}

json_writer& json_writer::null() {
  raw("null");
  return *this;
}

}  // namespace strata::base
