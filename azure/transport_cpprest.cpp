// The HTTPS transport on cpprestsdk. This is the only file of kvrelocate outside simulator/
// that includes cpprestsdk headers.

#include "azure/transport.h"

#include "azure/cloud.h"
#include "discovery/json.h"

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>

namespace kvr::azure {

namespace {

using web::http::client::http_client;
using web::http::client::http_client_config;

constexpr const char* kHostMismatch = "the certificate does not name this host";

// The reason the last certificate chain of one client failed verification. cpprestsdk
// reports only "Error in SSL handshake", so the chain check records why.
struct VerificationFailure {
  std::mutex mutex;
  std::string reason;
};

// Runs OpenSSL's usual chain verification, which calls cpprestsdk's per-certificate
// callback with its host name check, and records why it failed.
int verifyChainAndRecord(X509_STORE_CTX* store, void* argument) {
  int verified = X509_verify_cert(store);
  if (verified <= 0) {
    int code = X509_STORE_CTX_get_error(store);
    auto* failure = static_cast<VerificationFailure*>(argument);
    std::lock_guard lock(failure->mutex);
    // OpenSSL reports no specific error when the chain was fine and cpprestsdk's host name
    // check rejected the certificate.
    bool hostMismatch = code == X509_V_OK || code == X509_V_ERR_UNSPECIFIED;
    failure->reason = hostMismatch ? kHostMismatch : std::string(X509_verify_cert_error_string(code));
  }
  return verified;
}

struct ClientEntry {
  std::shared_ptr<VerificationFailure> failure = std::make_shared<VerificationFailure>();
  std::unique_ptr<http_client> client;
  std::string hostHeader;  // set when the host is mapped to an address
};

// Plain http stays on the machine: App Service's identity endpoint listens on localhost
// and the instance metadata service on the link-local 169.254.169.254.
bool allowsPlainHttp(const std::string& host) {
  return host == "localhost" || host == "169.254.169.254" || isLoopbackAddress(host);
}

std::string bracketed(const std::string& address) {
  return address.find(':') != std::string::npos ? "[" + address + "]" : address;
}

class CpprestTransport : public HttpTransport {
 public:
  explicit CpprestTransport(TransportOptions options) : options_(std::move(options)) {
    for (const auto& [suffix, address] : options_.hostAddresses) {
      if (!isLoopbackAddress(address)) {
        throw std::invalid_argument("host " + suffix + " maps to " + address +
                                    ", which is not a loopback address (127.0.0.0/8 or ::1)");
      }
    }
    if (!options_.caFile.empty()) checkCaFile(options_.caFile);
  }

  HttpResponse send(const HttpRequest& request) override {
    UrlParts url = splitUrl(request.url);
    ClientEntry& entry = clientFor(url);
    web::http::http_request message = toMessage(request, url, entry);

    pplx::cancellation_token_source cancellation;
    auto outcome = std::make_shared<std::promise<HttpResponse>>();
    std::future<HttpResponse> result = outcome->get_future();
    entry.client->request(message, cancellation.get_token())
        .then([](web::http::http_response response) {
          return response.extract_vector().then(
              [response](std::vector<unsigned char> body) { return toResponse(response, body); });
        })
        .then([outcome](pplx::task<HttpResponse> done) {
          try {
            outcome->set_value(done.get());
          } catch (...) {
            outcome->set_exception(std::current_exception());
          }
        });

    bool timedOut = result.wait_for(options_.requestTimeout) == std::future_status::timeout;
    if (timedOut) cancellation.cancel();
    try {
      HttpResponse response = result.get();
      if (!timedOut) return response;
    } catch (const web::http::http_exception& error) {
      if (!timedOut) throw classify(request, url, entry, error);
    } catch (const pplx::task_canceled&) {
      if (!timedOut) throw TransportError(TransportError::Kind::Connection, describe(request) + ": the request was cancelled");
    } catch (const std::exception& error) {
      if (!timedOut) throw TransportError(TransportError::Kind::Connection, describe(request) + ": " + error.what());
    }
    throw TransportError(TransportError::Kind::Timeout,
                         describe(request) + ": no complete answer within " +
                             std::to_string(options_.requestTimeout.count()) + " ms");
  }

 private:
  static void checkCaFile(const std::string& path) {
    std::ifstream stream(path);
    if (!stream) throw std::invalid_argument("cannot read CA file " + path + ": check the path");
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    boost::system::error_code error;
    context.load_verify_file(path, error);
    if (error) {
      throw std::invalid_argument("CA file " + path + " contains no PEM certificate that OpenSSL can load (" + error.message() +
                                  ")");
    }
  }

  static std::string describe(const HttpRequest& request) { return request.method + " " + redactUrl(request.url); }

  ClientEntry& clientFor(const UrlParts& url) {
    if (url.scheme != "https" && url.scheme != "http") {
      throw std::invalid_argument("unsupported URL scheme '" + url.scheme + "': only https is supported");
    }
    std::string address = mappedAddress(options_.hostAddresses, url.host);
    if (url.scheme == "http" && !allowsPlainHttp(address.empty() ? url.host : address)) {
      throw std::invalid_argument("plain http is allowed only to localhost, a loopback address or the instance "
                                  "metadata service, not to " + url.host);
    }
    std::string key = url.scheme + "://" + url.host + (url.port.empty() ? "" : ":" + url.port);

    std::lock_guard lock(mutex_);
    auto found = clients_.find(key);
    if (found != clients_.end()) return *found->second;

    auto entry = std::make_unique<ClientEntry>();
    std::string base = url.scheme + "://" + (address.empty() ? url.host : bracketed(address)) +
                       (url.port.empty() ? "" : ":" + url.port);
    // NOTE: the Host header carries no port, because cpprestsdk verifies the certificate and
    // sends SNI for the Host header value unchanged. Servers that pick a site by
    // host and port would need the port; kvsim and Azure pick by host name only.
    if (!address.empty()) entry->hostHeader = url.host;
    entry->client = std::make_unique<http_client>(base, clientConfig(entry->failure));
    return *clients_.emplace(key, std::move(entry)).first->second;
  }

  http_client_config clientConfig(const std::shared_ptr<VerificationFailure>& failure) const {
    http_client_config config;
    config.set_timeout(options_.connectTimeout);
    config.set_validate_certificates(true);
    std::string caFile = options_.caFile;
    config.set_ssl_context_callback([caFile, failure](boost::asio::ssl::context& context) {
      // cpprestsdk has already loaded the system's trust store; the CA file adds to it.
      if (!caFile.empty()) context.load_verify_file(caFile);
      SSL_CTX_set_cert_verify_callback(context.native_handle(), verifyChainAndRecord, failure.get());
    });
    return config;
  }

  static web::http::http_request toMessage(const HttpRequest& request, const UrlParts& url, const ClientEntry& entry) {
    web::http::http_request message(request.method);
    message.set_request_uri(web::uri(url.pathAndQuery));
    if (!request.body.empty()) {
      message.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
    }
    // After the body, so these replace the Content-Type that set_body chose.
    for (const auto& [name, value] : request.headers) {
      if (iequals(name, "Host") || iequals(name, "Content-Length")) continue;
      message.headers()[name] = value;
    }
    if (!entry.hostHeader.empty()) message.headers()[web::http::header_names::host] = entry.hostHeader;
    return message;
  }

  static HttpResponse toResponse(const web::http::http_response& message, const std::vector<unsigned char>& body) {
    HttpResponse response;
    response.status = message.status_code();
    for (const auto& [name, value] : message.headers()) response.headers.emplace_back(name, value);
    response.body.assign(body.begin(), body.end());
    return response;
  }

  static TransportError classify(const HttpRequest& request, const UrlParts& url, ClientEntry& entry,
                                 const web::http::http_exception& error) {
    std::string what = error.what();
    if (error.error_code().value() == ETIMEDOUT) {
      return TransportError(TransportError::Kind::Timeout, describe(request) + ": timed out (" + what + ")");
    }
    if (what.find("SSL handshake") != std::string::npos) {
      std::string reason;
      {
        std::lock_guard lock(entry.failure->mutex);
        reason = entry.failure->reason;
      }
      std::string advice = reason == kHostMismatch
                               ? "check the URL's host name and the cloud file's hostAddresses"
                               : "if a private CA issued its certificate (kvsim's ca.pem, for example), pass "
                                 "--ca-file with that CA's PEM file";
      return TransportError(TransportError::Kind::Tls, "TLS verification of " + url.host + " failed" +
                                                           (reason.empty() ? "" : " (" + reason + ")") + " on " +
                                                           describe(request) + "; " + advice);
    }
    return TransportError(TransportError::Kind::Connection, describe(request) + ": connection failed: " + what);
  }

  TransportOptions options_;
  std::mutex mutex_;  // guards clients_
  std::map<std::string, std::unique_ptr<ClientEntry>> clients_;
};

}  // namespace

std::string mappedAddress(const std::map<std::string, std::string>& hostAddresses, const std::string& host) {
  std::string name = toLower(host);
  std::string best;
  std::size_t bestLength = 0;
  for (const auto& [suffix, address] : hostAddresses) {
    std::string lowered = toLower(suffix);
    bool matches = name == lowered || (name.size() > lowered.size() && name.ends_with("." + lowered));
    if (matches && lowered.size() >= bestLength) {
      best = address;
      bestLength = lowered.size();
    }
  }
  return best;
}

std::unique_ptr<HttpTransport> makeHttpsTransport(TransportOptions options) {
  return std::make_unique<CpprestTransport>(std::move(options));
}

}  // namespace kvr::azure
