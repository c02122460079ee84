#include "base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace strata::base {

void assertion_failed(const char* file, int line, const char* expression, const char* message) {
  std::fprintf(stderr, "%s:%d: assertion `%s` failed: %s\n", file, line, expression, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace strata::base
