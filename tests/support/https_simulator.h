#pragma once

// An in-process kvsim behind its real HTTPS listener on 127.0.0.1, with a CA generated in a
// temporary state directory and the cloud file that points kvrelocate at it. The listener
// stops and the directory is removed when the object goes away.

#include "simulator/https_listener.h"
#include "simulator/simulator.h"
#include "simulator/tls_material.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace kvr::testing {

class HttpsSimulator {
 public:
  explicit HttpsSimulator(sim::SimulatorConfig config = defaultConfig())
      : stateDir_(uniqueStateDir()),
        tls_(sim::ensureTlsFiles(stateDir_, config.vaultDnsSuffix)),
        config_(config),
        simulator_(std::move(config)) {
    sim::ListenerOptions options;
    options.tls = tls_;
    options.port = sim::pickFreePort(options.address);
    listener_ = std::make_unique<sim::HttpsListener>(
        options, [this](const sim::Request& request) { return simulator_.handle(request); });
    simulator_.setBaseUrl(listener_->baseUrl());
    writeCloudFile();
  }
  ~HttpsSimulator() {
    listener_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(stateDir_, ignored);
  }
  HttpsSimulator(const HttpsSimulator&) = delete;
  HttpsSimulator& operator=(const HttpsSimulator&) = delete;

  static sim::SimulatorConfig defaultConfig() {
    sim::SimulatorConfig config;
    config.timeScale = 0.001;
    return config;
  }

  sim::Simulator& simulator() { return simulator_; }
  std::string baseUrl() const { return listener_->baseUrl(); }
  int port() const { return listener_->port(); }
  std::string caFile() const { return tls_.caCertificate.string(); }
  const sim::TlsFiles& tlsFiles() const { return tls_; }
  std::string cloudFile() const { return (stateDir_ / "cloud.json").string(); }
  const std::filesystem::path& stateDir() const { return stateDir_; }
  // https://<vault>.<suffix>:<port>
  std::string vaultUrl(const std::string& vault) const {
    return "https://" + vault + "." + config_.vaultDnsSuffix + ":" + std::to_string(port());
  }

 private:
  static std::filesystem::path uniqueStateDir() {
    static std::atomic<int> counter{0};
    auto dir = std::filesystem::temp_directory_path() /
               ("kvr-https-sim-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    return dir;
  }

  // The same members kvsim writes to <state dir>/cloud.json on start.
  void writeCloudFile() const {
    nlohmann::json cloud = {{"name", "kvsim"},
                            {"resourceManager", baseUrl()},
                            {"resourceManagerAudience", "https://management.azure.com"},
                            {"authority", baseUrl()},
                            {"keyVaultAudience", config_.keyVaultResource},
                            {"keyVaultDnsSuffix", config_.vaultDnsSuffix},
                            {"hostAddresses", {{config_.vaultDnsSuffix, "127.0.0.1"}}}};
    std::ofstream(cloudFile()) << cloud.dump(2);
  }

  std::filesystem::path stateDir_;
  sim::TlsFiles tls_;
  sim::SimulatorConfig config_;
  sim::Simulator simulator_;
  std::unique_ptr<sim::HttpsListener> listener_;
};

}  // namespace kvr::testing
