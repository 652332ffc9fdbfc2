// kvsim: serves a local Azure stand-in on loopback HTTPS until SIGINT or SIGTERM.

#include "simulator/backup_cipher.h"
#include "simulator/config.h"
#include "simulator/https_listener.h"
#include "simulator/simulator.h"
#include "simulator/tls_material.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

using kvr::sim::SimulatorConfig;

void configureLogging(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("kvsim", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z kvsim [%l] %v");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (verbosity == 1) level = spdlog::level::info;
  if (verbosity >= 2) level = spdlog::level::debug;
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

nlohmann::json readEstate(const std::string& file) {
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error("cannot read estate file " + file + ": check the path");
  nlohmann::json estate = nlohmann::json::parse(stream, nullptr, false);
  if (estate.is_discarded()) throw std::runtime_error("estate file " + file + " is not valid JSON");
  return estate;
}

// Writes <state dir>/cloud.json, the cloud file with which kvrelocate reaches this kvsim:
// `kvrelocate discover --cloud-file <state dir>/cloud.json --ca-file <state dir>/ca.pem`.
void writeCloudFile(const SimulatorConfig& config, const std::string& baseUrl) {
  nlohmann::json cloud = {
      {"name", "kvsim"},
      {"resourceManager", baseUrl},
      {"resourceManagerAudience", "https://management.azure.com"},
      {"authority", baseUrl},
      {"keyVaultAudience", config.keyVaultResource},
      {"keyVaultDnsSuffix", config.vaultDnsSuffix},
      // Vault host names such as kv1.vault.localhost do not resolve everywhere.
      {"hostAddresses", {{config.vaultDnsSuffix, config.bindAddress}}},
  };
  std::filesystem::path file = config.stateDir / "cloud.json";
  std::ofstream stream(file);
  stream << cloud.dump(2) << "\n";
  if (!stream) throw std::runtime_error("cannot write " + file.string() + ": check the state directory's permissions");
}

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so that
// waitForStopSignal receives them instead of the default handler ending the process.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int waitForStopSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

int run(SimulatorConfig config, const std::string& estateFile, const sigset_t& signals) {
  kvr::sim::requireLoopbackAddress(config.bindAddress);

  std::error_code ignored;
  std::filesystem::create_directories(config.stateDir, ignored);
  kvr::sim::ListenerOptions options;
  options.address = config.bindAddress;
  options.port = config.port != 0 ? config.port : kvr::sim::pickFreePort(config.bindAddress);
  if (!config.insecureHttp) options.tls = kvr::sim::ensureTlsFiles(config.stateDir, config.vaultDnsSuffix);

  kvr::sim::BackupCipher cipher(kvr::sim::loadOrCreateBackupKey(config.stateDir));
  kvr::sim::Simulator simulator(config, nullptr, std::move(cipher));
  std::string host = config.bindAddress == "::1" ? "[::1]" : config.bindAddress;
  simulator.setBaseUrl(std::string(config.insecureHttp ? "http" : "https") + "://" + host + ":" + std::to_string(options.port));
  if (!estateFile.empty()) {
    simulator.loadEstate(readEstate(estateFile));
    spdlog::info("kvsim: loaded estate {}", estateFile);
  }

  kvr::sim::HttpsListener listener(options, [&simulator](const kvr::sim::Request& request) { return simulator.handle(request); });
  // The cloud file is in place before the address line, which scripts wait for.
  if (options.tls) writeCloudFile(config, listener.baseUrl());
  std::cout << "kvsim listening on " << listener.baseUrl() << std::endl;
  if (options.tls) spdlog::info("kvsim: clients must trust {}", options.tls->caCertificate.string());

  int received = waitForStopSignal(signals);
  spdlog::info("kvsim: received signal {}, stopping", received);
  listener.stop();
  std::cout << "kvsim stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any library starts a thread: a thread started with the signals unblocked
  // would take SIGTERM's default action and end the process without a graceful stop.
  sigset_t signals = blockStopSignals();
  CLI::App app{"kvsim: a local Azure stand-in (Resource Manager, Key Vault, tokens) on loopback HTTPS"};
  std::string configFile;
  std::string estateFile;
  std::string stateDir;
  std::string bindAddress;
  std::string vaultDnsSuffix;
  int port = -1;
  bool insecureHttp = false;
  int verbosity = 0;
  app.add_option("--config", configFile, "JSON settings file (see docs/kvsim.md)")->check(CLI::ExistingFile);
  app.add_option("--estate", estateFile, "inventory-shaped estate to serve, with test secret values")->check(CLI::ExistingFile);
  app.add_option("--state-dir", stateDir, "directory for ca.pem and the server's keys (default ./kvsim-state)");
  app.add_option("--bind", bindAddress, "loopback address to listen on: 127.0.0.1 (default) or ::1");
  app.add_option("--port", port, "TCP port; 0 picks a free port (default 0)")->check(CLI::Range(0, 65535));
  app.add_option("--vault-dns-suffix", vaultDnsSuffix, "vault hosts are <vault>.<suffix> (default vault.localhost)");
  app.add_flag("--insecure-http", insecureHttp, "serve plain HTTP instead of HTTPS");
  app.add_flag("-v,--verbose", verbosity, "log more: -v for starts and stops, -vv for every request");
  CLI11_PARSE(app, argc, argv);
  configureLogging(verbosity);

  try {
    SimulatorConfig config = configFile.empty() ? SimulatorConfig{} : kvr::sim::loadConfig(configFile);
    if (!stateDir.empty()) config.stateDir = stateDir;
    if (!bindAddress.empty()) config.bindAddress = bindAddress;
    if (!vaultDnsSuffix.empty()) config.vaultDnsSuffix = vaultDnsSuffix;
    if (port >= 0) config.port = port;
    if (insecureHttp) config.insecureHttp = true;
    return run(config, estateFile, signals);
  } catch (const std::exception& error) {
    std::cerr << "kvsim: error: " << error.what() << std::endl;
    return 1;
  }
}
