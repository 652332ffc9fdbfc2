#include "strategies/planner.h"

#include <algorithm>
#include <tuple>

#include "discovery/resource_id.h"
#include "strategies/planner_internal.h"
#include "strategies/vault_names.h"

namespace kvr {

namespace planning {
namespace {

std::string mostCommonLocation(const Context& context) {
  std::map<std::string, int> counts;
  for (const auto& key : context.vaults) counts[toLower(context.resource(key)->location)] += 1;
  std::string best;
  int bestCount = 0;
  for (const auto& [location, count] : counts) {
    if (count > bestCount && !location.empty()) {
      best = location;
      bestCount = count;
    }
  }
  return best;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// ", did you mean 'northeurope'" for a name within three edits of a known region.
std::string closestRegionHint(const Context& context) {
  std::string best;
  std::size_t bestDistance = 4;
  for (const auto& region : context.geographies.regions()) {
    std::size_t distance = editDistance(context.targetLocation, region);
    if (distance < bestDistance) {
      best = region;
      bestDistance = distance;
    }
  }
  return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

void resolveEndpoints(Context& context) {
  const RelocationRequest& request = context.estate.relocation;
  context.targetLocation = toLower(context.options.targetRegion.empty() ? request.targetLocation : context.options.targetRegion);
  context.sourceLocation = request.sourceLocation.empty() ? mostCommonLocation(context) : request.sourceLocation;
  Plan& plan = context.plan;
  std::string sourceSubscription;
  std::string sourceGroup;
  if (!context.vaults.empty()) {
    const Resource& vault = *context.resource(context.vaults.front());
    sourceSubscription = vault.subscription;
    sourceGroup = vault.resourceGroup;
  }
  plan.source = {sourceSubscription, sourceGroup, context.sourceLocation, {}};
  std::string targetSubscription = context.options.targetSubscriptionId.empty() ? request.targetSubscriptionId
                                                                                : context.options.targetSubscriptionId;
  if (targetSubscription.empty()) targetSubscription = sourceSubscription;
  std::string targetGroup =
      context.options.targetResourceGroup.empty() ? request.targetResourceGroup : context.options.targetResourceGroup;
  if (targetGroup.empty()) targetGroup = proposeResourceGroupName(sourceGroup, context.sourceLocation, context.targetLocation);
  plan.target = {targetSubscription, targetGroup, context.targetLocation, {}};
  plan.source.geography = context.geographies.geographyOf(context.sourceLocation).value_or("");
  plan.target.geography = context.geographies.geographyOf(context.targetLocation).value_or("");
  context.sameSubscription = iequals(targetSubscription, sourceSubscription);
  context.sameGeography = !plan.source.geography.empty() && plan.source.geography == plan.target.geography;
  if (!context.targetLocation.empty() && !context.geographies.knows(context.targetLocation)) {
    plan.diagnostics.error("E-TARGET-REGION-UNKNOWN",
                           "the target region '" + context.targetLocation + "' is not an Azure region this build "
                           "knows" + closestRegionHint(context) + "; check the name, or add it with --geographies FILE");
  }
  if (context.targetLocation.empty()) {
    plan.diagnostics.error("E-TARGET-REGION-MISSING", "no target region: pass --target-region REGION");
  } else if (context.targetLocation == context.sourceLocation) {
    plan.diagnostics.error("E-TARGET-REGION-SAME", "the target region " + context.targetLocation +
                                                       " is the source region; choose another region");
  }
}

Json readNameMap(const std::string& file) {
  if (file.empty()) return Json::object();
  Json document = readJsonFile(file);
  if (!document.is_object()) throw InputError({file, "", -1}, "a name map must be a JSON object of source to target names");
  for (auto it = document.begin(); it != document.end(); ++it) {
    if (!it->is_string()) throw InputError({file, pointerAppend("", it.key()), -1}, "a target name must be a string");
  }
  return document;
}

void nameVaults(Context& context) {
  Json nameMap = readNameMap(context.options.nameMapFile);
  std::string suffix = context.relocationOption("targetNameSuffix").is_string()
                           ? context.relocationOption("targetNameSuffix").get<std::string>()
                           : std::string();
  for (const auto& key : context.vaults) {
    const Resource& vault = *context.resource(key);
    std::string source = leafName(vault.name);
    VaultRelocation relocation{vault.id, source, {}, {}, {}};
    auto mapped = context.estate.relocation.vaultNameMap.find(toLower(source));
    if (!context.options.targetVaultName.empty() && context.vaults.size() == 1) {
      relocation.targetName = context.options.targetVaultName;
      relocation.nameReason = "given with --target-vault-name";
    } else if (nameMap.contains(source)) {
      relocation.targetName = nameMap[source].get<std::string>();
      relocation.nameReason = "given in the name map " + context.options.nameMapFile;
    } else if (mapped != context.estate.relocation.vaultNameMap.end()) {
      relocation.targetName = mapped->second;
      relocation.nameReason = "given in the input's vault name map";
    } else {
      relocation.targetName = proposeVaultName(source, context.sourceLocation, context.targetLocation, suffix);
      relocation.nameReason = "generated: the source name without its region part, plus the target region's code";
    }
    relocation.targetId = makeResourceId(context.plan.target.subscriptionId, context.plan.target.resourceGroup,
                                         "Microsoft.KeyVault/vaults", relocation.targetName);
    context.targetVaultName[key] = relocation.targetName;
    context.plan.vaults.push_back(std::move(relocation));
  }
  std::map<std::string, std::string> firstWithName;
  for (const auto& relocation : context.plan.vaults) {
    auto [it, inserted] = firstWithName.emplace(toLower(relocation.targetName), relocation.sourceName);
    if (!inserted) {
      context.plan.diagnostics.error("E-TARGET-NAME-DUPLICATE",
                                     "vaults '" + it->second + "' and '" + relocation.sourceName +
                                         "' would both become '" + relocation.targetName +
                                         "'; vault names are global, so give one of them another name with "
                                         "--name-map",
                                     relocation.sourceId);
    }
  }
  if (!context.options.targetVaultName.empty() && context.vaults.size() > 1) {
    context.plan.diagnostics.error("E-TARGET-NAME-AMBIGUOUS",
                                   "--target-vault-name names one vault but the inputs define " +
                                       std::to_string(context.vaults.size()) + "; use --vault or --name-map");
  }
}

void collectManualSteps(Context& context) {
  std::vector<std::pair<std::size_t, std::string>> ordered;
  for (const auto& node : context.plan.nodes) {
    for (const auto& step : node.manualSteps) ordered.emplace_back(node.order, step);
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, step] : ordered) {
    context.plan.manualSteps.push_back(order == 0 ? step : "step " + std::to_string(order) + ": " + step);
  }
}

void finish(Context& context) {
  Plan& plan = context.plan;
  for (auto& [key, node] : context.nodes) plan.nodes.push_back(std::move(node));
  std::sort(plan.nodes.begin(), plan.nodes.end(), [](const PlanNode& a, const PlanNode& b) { return a.key < b.key; });
  auto edgeKey = [](const PlanEdge& e) { return std::tie(e.from, e.to, e.kind, e.evidence); };
  std::sort(plan.edges.begin(), plan.edges.end(), [&](const PlanEdge& a, const PlanEdge& b) { return edgeKey(a) < edgeKey(b); });
  plan.edges.erase(std::unique(plan.edges.begin(), plan.edges.end(),
                               [&](const PlanEdge& a, const PlanEdge& b) { return edgeKey(a) == edgeKey(b); }),
                   plan.edges.end());
  collectManualSteps(context);
  plan.diagnostics.normalize();
}

}  // namespace
}  // namespace planning

Plan makePlan(const Estate& estate, const PlanOptions& requested) {
  PlanOptions options = requested;
  if (options.secretVersions.empty()) {
    auto fromInput = estate.relocation.options.find("secretVersions");
    bool given = fromInput != estate.relocation.options.end() && fromInput->is_string();
    options.secretVersions = given ? fromInput->get<std::string>() : "all";
  }
  if (options.secretVersions != "all" && options.secretVersions != "latest" &&
      !(options.secretVersions.rfind("last:", 0) == 0 && options.secretVersions.size() > 5 &&
        options.secretVersions.find_first_not_of("0123456789", 5) == std::string::npos)) {
    throw InputError({}, "invalid secret versions policy '" + options.secretVersions +
                             "'; use all, latest or last:N");
  }
  Plan plan;
  plan.inputs = estate.files;
  for (const auto& diagnostic : estate.diagnostics.all()) plan.diagnostics.add(diagnostic);
  planning::Context context(estate, options, plan);
  context.geographies = GeographyTable::builtin();
  if (!options.geographyFile.empty()) {
    context.geographies = context.geographies.mergedWith(
        GeographyTable::fromJson(readJsonFile(options.geographyFile), options.geographyFile));
  }
  plan.options = Json{{"secretVersions", options.secretVersions},
                      {"secretsByBackup", options.secretsByBackup},
                      {"allowSubnetModification", options.allowSubnetModification},
                      {"noSourceAccess", options.noSourceAccess}};
  if (auto limit = estate.relocation.options.find("maxParallelDataPlaneRequests");
      limit != estate.relocation.options.end() && limit->is_number_integer() && limit->get<long long>() > 0) {
    plan.options["maxParallelDataPlaneRequests"] = *limit;
  }

  for (const auto& [source, target] : estate.relocation.subnetMap) context.subnetMap[normalizeId(source)] = target;
  if (!options.subnetMapFile.empty()) {
    Json map = readJsonFile(options.subnetMapFile);
    if (!map.is_object()) {
      throw InputError({options.subnetMapFile, "", -1}, "a subnet map must be a JSON object of source to target subnet ids");
    }
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->is_string() || !looksLikeResourceId(it->get<std::string>())) {
        throw InputError({options.subnetMapFile, pointerAppend("", it.key()), -1},
                         "the target must be a subnet resource id");
      }
      context.subnetMap[normalizeId(it.key())] = it->get<std::string>();
    }
  }
  plan.options["subnetMap"] = Json::object();
  for (const auto& [source, target] : context.subnetMap) plan.options["subnetMap"][source] = target;
  planning::selectVaults(context);
  planning::resolveEndpoints(context);
  planning::nameVaults(context);
  planning::computeScope(context);
  planning::assignStrategies(context);
  planning::runChecks(context);
  planning::orderSteps(context);
  planning::finish(context);
  return plan;
}

}  // namespace kvr
