#pragma once

// The socket side of kvsim: an HTTP(S) listener on a loopback address that passes every
// request to a Handler. This is the only part that uses cpprestsdk, so the rest of the
// simulator compiles without it and is tested without sockets.

#include "simulator/http_message.h"
#include "simulator/tls_material.h"

#include <memory>
#include <optional>
#include <string>

namespace kvr::sim {

struct ListenerOptions {
  std::string address = "127.0.0.1";  // 127.0.0.1 or ::1; anything else is rejected
  int port = 0;                        // 0 picks a free port
  // The certificate and key to serve; plain HTTP when absent.
  std::optional<TlsFiles> tls;
};

class HttpsListener {
 public:
  // Starts listening; throws std::invalid_argument for a non-loopback address and
  // std::runtime_error when the port cannot be bound.
  HttpsListener(ListenerOptions options, Handler handler);
  ~HttpsListener();
  HttpsListener(const HttpsListener&) = delete;
  HttpsListener& operator=(const HttpsListener&) = delete;

  int port() const;
  // The base URL, such as https://127.0.0.1:8443, without a trailing slash.
  std::string baseUrl() const;
  // Stops accepting requests and waits for the listener to close. Safe to call twice.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Returns a port that was free on `address` a moment ago. cpprestsdk cannot listen on
// port 0, so kvsim binds a socket to port 0, reads the port and closes the socket; another
// process may take the port in between, which makes the listener fail to start.
int pickFreePort(const std::string& address);

}  // namespace kvr::sim
