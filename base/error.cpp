#include "base/error.hpp"

namespace strata::base {

std::string_view name(errc code) {
  switch (code) {
#define STRATA_X(name, number, kind, description) \
  case errc::name:                                \
    return #name;
    STRATA_ERROR_CODES(STRATA_X)
#undef STRATA_X
  }
  return "unknown";
}

error_kind kind(errc code) {
  switch (code) {
#define STRATA_X(name, number, kind, description) \
  case errc::name:                                \
    return error_kind::kind;
    STRATA_ERROR_CODES(STRATA_X)
#undef STRATA_X
  }
  return error_kind::fatal;
}

std::string_view description(errc code) {
  switch (code) {
#define STRATA_X(name, number, kind, description) \
  case errc::name:                                \
    return description;
    STRATA_ERROR_CODES(STRATA_X)
#undef STRATA_X
  }
  return "unknown error code";
}

std::string_view name(error_kind kind) {
  switch (kind) {
    case error_kind::retryable:
      return "retryable";
    case error_kind::overloaded:
      return "overloaded";
    case error_kind::fatal:
      return "fatal";
  }
  return "fatal";
}

std::string error::to_string() const {
  std::string text(name(code));
  text += ": ";
  text += message;
  return text;
}

}  // namespace strata::base
