#include "strategies/plan.h"

#include <algorithm>

namespace kvr {

namespace {

struct StrategyName {
  Strategy strategy;
  const char* name;
};

constexpr StrategyName kStrategyNames[] = {
    {Strategy::Redeploy, "redeploy"},
    {Strategy::RedeployWithData, "redeploy-with-data"},
    {Strategy::CopySecret, "copy-secret"},
    {Strategy::BackupRestore, "backup-restore"},
    {Strategy::ExportImportPfx, "export-import-pfx"},
    {Strategy::ReissueCertificate, "reissue-certificate"},
    {Strategy::RegenerateKey, "regenerate-key"},
    {Strategy::Reconfigure, "reconfigure"},
    {Strategy::Repoint, "repoint"},
    {Strategy::Reuse, "reuse"},
    {Strategy::External, "external"},
    {Strategy::Drop, "drop"},
    {Strategy::OutOfScope, "out-of-scope"},
};

}  // namespace

const char* strategyName(Strategy strategy) {
  for (const auto& entry : kStrategyNames) {
    if (entry.strategy == strategy) return entry.name;
  }
  return "out-of-scope";
}

std::optional<Strategy> parseStrategy(const std::string& name) {
  for (const auto& entry : kStrategyNames) {
    if (name == entry.name) return entry.strategy;
  }
  return std::nullopt;
}

const PlanNode* Plan::node(const std::string& key) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), key,
                             [](const PlanNode& node, const std::string& k) { return node.key < k; });
  return it != nodes.end() && it->key == key ? &*it : nullptr;
}

}  // namespace kvr
