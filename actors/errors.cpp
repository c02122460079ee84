#include "actors/errors.hpp"

namespace strata::actors {

caf::error to_caf(const base::error& e) {
  return to_caf(e.code, e.message);
}

caf::error to_caf(base::errc code, std::string message) {
  // errc numbers are small and never reused (base/error.hpp); CAF's codes are one byte.
  static_assert(sizeof(caf::error().code()) == 1);
  return caf::error(static_cast<std::uint8_t>(code), error_category,
                    caf::make_message(std::move(message)));
}

base::error from_caf(const caf::error& e) {
  if (e.category() == error_category) {
    std::string message;
    if (e.context().match_elements<std::string>())
      message = e.context().get_as<std::string>(0);
    return {static_cast<base::errc>(e.code()), std::move(message)};
  }
  return {base::errc::unavailable, caf::to_string(e)};
}

std::string render(std::uint8_t code, caf::atom_value, const caf::message& context) {
  std::string out(base::name(static_cast<base::errc>(code)));
  if (context.match_elements<std::string>())
    out += ": " + context.get_as<std::string>(0);
  return out;
}

}  // namespace strata::actors
