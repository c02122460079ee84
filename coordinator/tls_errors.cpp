#include "coordinator/tls_errors.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

namespace {

// OpenSSL's definition of `name`: the next one after this binary's.
template <class Function>
Function openssl_own(const char* name) {
  return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

// A handshake call that wants the peer's next message waits for it, 2 ms at most, rather than
// return at once to be called again straight away (tls_errors.hpp).
void wait_for_handshake(SSL* ssl, int result) {
  if (result > 0 || SSL_get_error(ssl, result) != SSL_ERROR_WANT_READ)
    return;
  pollfd socket{SSL_get_rfd(ssl), POLLIN, 0};
  if (socket.fd >= 0)
    poll(&socket, 1, 2);
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buffer, int size) {
  static const auto next = openssl_own<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return next(ssl, buffer, size);
}

int SSL_write(SSL* ssl, const void* buffer, int size) {
  static const auto next = openssl_own<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return next(ssl, buffer, size);
}

int SSL_accept(SSL* ssl) {
  static const auto next = openssl_own<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  const int result = next(ssl);
  wait_for_handshake(ssl, result);
  return result;
}

int SSL_connect(SSL* ssl) {
  static const auto next = openssl_own<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  const int result = next(ssl);
  wait_for_handshake(ssl, result);
  return result;
}

}  // extern "C"

namespace strata::coordinator {

bool tls_error_queue_emptied() {
  const auto mine = [](const char* name, void* ours) { return dlsym(RTLD_DEFAULT, name) == ours; };
  return mine("SSL_read", reinterpret_cast<void*>(&SSL_read)) &&
         mine("SSL_write", reinterpret_cast<void*>(&SSL_write)) &&
         mine("SSL_accept", reinterpret_cast<void*>(&SSL_accept)) &&
         mine("SSL_connect", reinterpret_cast<void*>(&SSL_connect)) &&
         openssl_own<void*>("SSL_read") != nullptr;
}

}  // namespace strata::coordinator
