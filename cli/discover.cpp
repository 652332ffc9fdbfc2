#include "cli/discover.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "azure/client.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/output.h"
#include "discovery/crawler.h"

namespace kvr::cli {

namespace {

std::string utcNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

int runDiscover(const DiscoverArguments& arguments) {
  Diagnostics problems;
  std::unique_ptr<azure::Connection> connection = azure::Connection::open(arguments.connection, problems);
  for (const auto& problem : problems.all()) std::cerr << formatDiagnostic(problem) << '\n';
  if (!connection) return kExitUsage;
  spdlog::info("discover: connected to {} as {}", connection->cloud().name, connection->credential().describe());
  return runDiscover(arguments, connection->client());
}

int runDiscover(const DiscoverArguments& arguments, azure::AzureClient& client) {
  CrawlOptions options;
  options.vaultId = arguments.vaultId;
  options.scopes = arguments.scopes;
  Crawler crawler(client, options);
  Json inventory;
  try {
    inventory = crawler.run();
  } catch (const CrawlError& error) {
    std::cerr << "kvrelocate: error: " << error.what() << '\n';
    return kExitInvalidInput;
  }
  // The time is set here, not by the crawler, so that tests compare crawls byte for byte.
  inventory["asOf"] = utcNow();
  inventory = sortedCopy(inventory);

  Diagnostics warnings;
  for (const auto& spot : inventory["blindSpots"]) {
    warnings.warning("W-DISCOVERY-BLIND-SPOT",
                     "could not read " + spot.value("scope", std::string()) + ": " + spot.value("reason", std::string()));
  }
  for (const auto& diagnostic : warnings.all()) std::cerr << formatDiagnostic(diagnostic) << '\n';
  std::cerr.flush();

  writeOutput(arguments.outputFile, inventory.dump(2) + "\n");
  const CrawlSummary& summary = crawler.summary();
  spdlog::info("discovered {} resources ({} consumers), {} secrets, {} keys, {} certificates, {} blind spots",
               summary.resources, summary.consumers, summary.secrets, summary.keys, summary.certificates,
               summary.blindSpots);
  return kExitSuccess;
}

}  // namespace kvr::cli
