// A small streaming JSON writer for the command line's `--json` output.
//
// It writes compact, valid JSON (RFC 8259) into a std::string: strings are escaped, doubles are
// printed in their shortest round-trip form, and non-finite doubles become null because JSON has no
// NaN. Nesting is checked with STRATA_ASSERT: a key outside an object or an unbalanced end is a bug
// in the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::base {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// The next value's key; only inside an object.
  json_writer& key(std::string_view name);
  json_writer& value(std::string_view text);
  json_writer& value(const char* text) { return value(std::string_view(text)); }
  json_writer& value(const std::string& text) { return value(std::string_view(text)); }
  json_writer& value(bool flag);
  json_writer& value(double number);
  json_writer& value(std::int64_t number);
  json_writer& value(std::uint64_t number);
  json_writer& value(int number) { return value(static_cast<std::int64_t>(number)); }
  json_writer& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  json_writer& null();

  /// The text written so far; complete once every object and array is closed.
  const std::string& str() const { return out_; }

 private:
  void before_value();
  void raw(std::string_view text);

  enum class scope : std::uint8_t { object, array };
  std::string out_;
  std::vector<scope> scopes_;
  bool first_ = true;
  bool after_key_ = false;
};

/// `text` as a quoted, escaped JSON string.
std::string json_quote(std::string_view text);

}  // namespace strata::base
