#include "simulator/config.h"
#include "simulator/https_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kvr::sim {

int pickFreePort(const std::string& address) {
  requireLoopbackAddress(address);
  bool ipv6 = address == "::1";
  int descriptor = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (descriptor < 0) throw std::runtime_error(std::string("cannot open a socket to pick a port: ") + std::strerror(errno));

  sockaddr_storage storage{};
  socklen_t length = 0;
  if (ipv6) {
    auto* socketAddress = reinterpret_cast<sockaddr_in6*>(&storage);
    socketAddress->sin6_family = AF_INET6;
    socketAddress->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  } else {
    auto* socketAddress = reinterpret_cast<sockaddr_in*>(&storage);
    socketAddress->sin_family = AF_INET;
    socketAddress->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(sockaddr_in);
  }

  if (::bind(descriptor, reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      ::getsockname(descriptor, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    int saved = errno;
    ::close(descriptor);
    throw std::runtime_error("cannot bind " + address + ":0 to pick a port: " + std::strerror(saved));
  }
  ::close(descriptor);
  return ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
              : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

}  // namespace kvr::sim
