// OpenSSL's error queue, emptied before each TLS call CAF's OpenSSL module makes.
//
// OpenSSL's SSL_get_error() reads the calling thread's error queue, so the queue must be empty
// before each TLS I/O call. CAF 0.17 never empties it (only its logging would, and Debian builds
// CAF without logging). One connection's failure (a peer whose certificate is refused, a peer
// killed mid-stream, a redundant connection closed) then stays in the queue of the thread that
// runs every connection, and the next call on another, healthy connection that merely has to
// wait for data reads as a failure: CAF closes that connection too. This file defines the four
// I/O calls CAF makes (SSL_read, SSL_write, SSL_accept, SSL_connect) in the strata binary, where
// they take precedence over libssl's; each empties the queue and calls OpenSSL's own.
//
// They also stop CAF 0.17 spinning through a handshake. While one is under way, CAF calls
// SSL_accept or SSL_connect each time the socket is writable, and when the call wants the peer's
// next message, CAF keeps the socket polled for writing, so its network thread loops at full
// speed until that message arrives (over two thousand calls for a cluster's few handshakes), and
// on a loaded machine takes a core from the processes the handshake waits for. Here a handshake
// call that wants to read waits for the socket to become readable, 2 ms at most.
#pragma once

namespace strata::coordinator {

/// Whether the TLS calls of this process go through strata's definitions (they do when the
/// binary links this file and exports them, as every strata binary that runs TLS does).
bool tls_error_queue_emptied();

}  // namespace strata::coordinator
