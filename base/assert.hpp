// Assertions for invariants (STYLE.md rule 6: bugs crash, input errors return).
//
// STRATA_ASSERT checks a condition that can only be false if strata itself has a bug. It is on in
// every build type: it logs the condition, the place and a message, then aborts, so a broken
// invariant never becomes wrong data. Input from users, peers or disk is validated with checks that
// return a base::error instead; never assert on it.
#pragma once

namespace strata::base {

/// Prints "file:line: assertion `expression` failed: message" to stderr and aborts.
[[noreturn]] void assertion_failed(const char* file, int line, const char* expression,
                                   const char* message);

}  // namespace strata::base

#define STRATA_ASSERT(condition, message)                                        \
  do {                                                                           \
    if (!(condition)) [[unlikely]]                                               \
      ::strata::base::assertion_failed(__FILE__, __LINE__, #condition, message); \
  } while (false)
