#include "simulator/https_listener.h"

#include "simulator/config.h"
#include "simulator/log.h"

#include <boost/asio/ssl.hpp>
#include <cpprest/containerstream.h>
#include <cpprest/http_listener.h>

#include <mutex>
#include <stdexcept>
#include <thread>

namespace kvr::sim {

namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;
using web::http::experimental::listener::http_listener_config;

Request toRequest(const http_request& message, std::vector<unsigned char> bytes) {
  Request request = Request::fromTarget(message.method(), message.relative_uri().to_string());
  for (const auto& [name, value] : message.headers()) request.withHeader(name, value);
  request.body.assign(bytes.begin(), bytes.end());
  return request;
}

http_response toReply(Response response) {
  http_response reply(static_cast<web::http::status_code>(response.status));
  std::string contentType = "application/json; charset=utf-8";
  for (const auto& [name, value] : response.headers) {
    if (equalsIgnoreCase(name, "Content-Type")) contentType = value;
    else reply.headers().add(name, value);
  }
  if (!response.body.empty()) reply.set_body(std::move(response.body), contentType);
  return reply;
}

// A reply that promises a body and then ends: the server closes the connection when the
// body stream ends early. NOTE: cpprestsdk writes the status line and headers before the
// body, so the client receives those and then loses the connection, instead of receiving
// nothing at all; clients report it as a connection error all the same.
http_response droppedReply() {
  http_response reply(web::http::status_codes::ServiceUnavailable);
  concurrency::streams::container_buffer<std::string> empty(std::string(), std::ios::in);
  reply.set_body(concurrency::streams::istream(empty), 1024, "application/json");
  return reply;
}

Response internalError() {
  return Response::json(500, {{"error", {{"code", "InternalServerError"}, {"message", "kvsim failed to handle the request; see its log"}}}});
}

void configureTls(boost::asio::ssl::context& context, const TlsFiles& files) {
  context.set_options(boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
                      boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
                      boost::asio::ssl::context::no_tlsv1_1);
  context.use_certificate_chain_file(files.serverCertificate.string());
  context.use_private_key_file(files.serverKey.string(), boost::asio::ssl::context::pem);
}

}  // namespace

struct HttpsListener::Impl {
  ListenerOptions options;
  Handler handler;
  int port = 0;
  std::unique_ptr<http_listener> listener;
  std::mutex stopMutex;
  bool stopped = false;

  std::string baseUrl() const {
    std::string host = options.address == "::1" ? "[::1]" : options.address;
    return std::string(options.tls ? "https" : "http") + "://" + host + ":" + std::to_string(port);
  }

  void serve(http_request message) {
    message.extract_vector().then([this, message](pplx::task<std::vector<unsigned char>> body) mutable {
      Response response;
      try {
        response = handler(toRequest(message, body.get()));
      } catch (const std::exception& error) {
        logError("request " + message.method() + " " + message.relative_uri().path() + " failed: " + error.what());
        response = internalError();
      }
      // An injected slow response; the wait holds one thread of cpprestsdk's pool.
      if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
      bool dropping = response.dropConnection;
      try {
        http_response reply = dropping ? droppedReply() : toReply(std::move(response));
        message.reply(reply).then([dropping](pplx::task<void> sent) {
          try {
            sent.get();
          } catch (const std::exception& error) {
            // A dropped connection fails to send by design; the counters record it.
            if (!dropping) logWarning(std::string("sending a response failed: ") + error.what());
          }
        });
      } catch (const std::exception& error) {
        logWarning(std::string("replying failed: ") + error.what());
      }
    });
  }
};

HttpsListener::HttpsListener(ListenerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  requireLoopbackAddress(options.address);
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->port = impl_->options.port != 0 ? impl_->options.port : pickFreePort(impl_->options.address);

  http_listener_config config;
  if (impl_->options.tls) {
    TlsFiles files = *impl_->options.tls;
    config.set_ssl_context_callback([files](boost::asio::ssl::context& context) { configureTls(context, files); });
  }
  impl_->listener = std::make_unique<http_listener>(web::uri(impl_->baseUrl()), config);
  Impl* impl = impl_.get();
  impl_->listener->support([impl](http_request message) { impl->serve(std::move(message)); });
  try {
    impl_->listener->open().wait();
  } catch (const std::exception& error) {
    throw std::runtime_error("kvsim cannot listen on " + impl_->baseUrl() + ": " + error.what() +
                             "; choose another port or use port 0");
  }
}

HttpsListener::~HttpsListener() { stop(); }

int HttpsListener::port() const { return impl_->port; }

std::string HttpsListener::baseUrl() const { return impl_->baseUrl(); }

void HttpsListener::stop() {
  std::lock_guard lock(impl_->stopMutex);
  if (impl_->stopped) return;
  impl_->stopped = true;
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& error) {
    logWarning(std::string("closing the listener failed: ") + error.what());
  }
}

}  // namespace kvr::sim
