// result<T>: a value or a base::error (C++20 has no std::expected).
//
// A function that can fail on input returns result<T>; status is result<void>. Reading the value of
// a result that holds an error is a bug and trips STRATA_ASSERT.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "base/assert.hpp"
#include "base/error.hpp"

namespace strata::base {

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : state_(std::move(value)) {}
  result(base::error failure) : state_(std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    STRATA_ASSERT(ok(), "value() of a result that holds an error");
    return std::get<0>(state_);
  }
  const T& value() const& {
    STRATA_ASSERT(ok(), "value() of a result that holds an error");
    return std::get<0>(state_);
  }
  T&& value() && {
    STRATA_ASSERT(ok(), "value() of a result that holds an error");
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const base::error& error() const {
    STRATA_ASSERT(!ok(), "error() of a result that holds a value");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, base::error> state_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(base::error failure) : failure_(std::move(failure)) {}

  bool ok() const { return !failure_.has_value(); }
  explicit operator bool() const { return ok(); }
  const base::error& error() const {
    STRATA_ASSERT(!ok(), "error() of a status that holds no error");
    return *failure_;
  }

 private:
  std::optional<base::error> failure_;
};

using status = result<void>;

/// Shorthand for returning an error: `return fail(errc::out_of_range, "latitude ...");`.
inline error fail(errc code, std::string message) {
  return error{code, std::move(message)};
}

}  // namespace strata::base
