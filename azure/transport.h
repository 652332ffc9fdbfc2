#pragma once

// The real HttpTransport: HTTPS through cpprestsdk, with certificate verification always
// on. cpprestsdk stays inside transport_cpprest.cpp; this header does not include it.

#include "azure/clock.h"
#include "azure/http.h"

#include <map>
#include <memory>
#include <string>

namespace kvr::azure {

struct TransportOptions {
  // A PEM file of CA certificates to trust in addition to the system's trust store, for a
  // private CA such as kvsim's ca.pem. Empty trusts only the system store.
  std::string caFile;
  // Host name suffix -> loopback address to connect to instead of resolving the name
  // (CloudEndpoints::hostAddresses). The request keeps the name in its Host header, and
  // the server certificate is verified against the name, not the address.
  std::map<std::string, std::string> hostAddresses;
  // Longest time without progress: TCP connect, TLS handshake, or a stalled read or write.
  // NOTE: cpprestsdk has a single inactivity timer, so this also ends a response that
  // takes longer than this to start.
  Milliseconds connectTimeout{30'000};
  // Longest time for a whole exchange, from connect to the last byte of the body.
  Milliseconds requestTimeout{120'000};
};

// Creates the cpprestsdk transport. It keeps one HTTP client, with its connection pool,
// per scheme and authority of the URLs it is given, and is safe to use from several
// threads. Throws std::invalid_argument when `caFile` cannot be read or a host address is
// not a loopback address.
std::unique_ptr<HttpTransport> makeHttpsTransport(TransportOptions options = {});

// The loopback address that `host` maps to under `hostAddresses`, or "" when no suffix
// matches. A suffix matches the host itself and any name that ends in "." + suffix; the
// longest matching suffix wins.
std::string mappedAddress(const std::map<std::string, std::string>& hostAddresses, const std::string& host);

}  // namespace kvr::azure
