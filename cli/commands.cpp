#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/output.h"
#include "discovery/estate.h"
#include "strategies/geography.h"
#include "strategies/planner.h"
#include "strategies/template_writer.h"
#include "viz/map_builder.h"
#include "viz/render.h"
#include "viz/report.h"

namespace kvr::cli {

namespace {

bool startsWith(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

Estate loadInputs(const InputArguments& input) {
  LoadOptions options;
  options.files = input.files;
  options.parametersFile = input.parametersFile;
  options.context.subscriptionId = input.subscriptionId;
  options.context.resourceGroup = input.resourceGroup;
  options.context.location = normalizeRegion(input.sourceRegion);

  spdlog::info("loading {} input file(s)", input.files.size());
  Estate estate = loadEstate(options);
  if (!input.sourceRegion.empty()) estate.relocation.sourceLocation = normalizeRegion(input.sourceRegion);
  spdlog::info("loaded {} resources and {} references", estate.resources.size(), estate.references.size());
  return estate;
}

PlanOptions planOptionsFor(const InputArguments& input, const std::string& targetRegion) {
  PlanOptions options;
  options.targetRegion = targetRegion;
  options.targetVaultName = input.targetVaultName;
  options.targetSubscriptionId = input.targetSubscriptionId;
  options.targetResourceGroup = input.targetResourceGroup;
  options.geographyFile = input.geographiesFile;
  options.nameMapFile = input.nameMapFile;
  options.subnetMapFile = input.subnetMapFile;
  options.vaults = input.vaults;
  options.secretVersions = input.secretVersions;
  options.secretsByBackup = input.secretsByBackup;
  options.allowSubnetModification = !input.noSubnetModification;
  options.noSourceAccess = input.noSourceAccess;
  return options;
}

// The target region from the command line, else from the inputs' relocation request.
std::string requestedTargetRegion(const InputArguments& input, const Estate& estate) {
  if (!input.targetRegion.empty()) return normalizeRegion(input.targetRegion);
  return normalizeRegion(estate.relocation.targetLocation);
}

// Finds the target region that the inputs name, with its file and JSON pointer. It comes
// from the first input file, in command-line order as the loader reads them, whose
// relocation request (an inventory's "relocation" or a template's "metadata.kvreloc") has a
// targetLocation. Files that cannot be parsed are passed over, because loading reports them.
std::optional<std::pair<SourceLocation, std::string>> targetRegionInInputs(const std::vector<std::string>& files) {
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    Json document = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (!document.is_object()) continue;
    for (const char* pointer : {"/relocation/targetLocation", "/metadata/kvreloc/targetLocation"}) {
      Json::json_pointer path(pointer);
      if (!document.contains(path) || !document.at(path).is_string()) continue;
      std::string region = document.at(path).get<std::string>();
      if (!region.empty()) return std::make_pair(SourceLocation{file, pointer, -1}, region);
    }
  }
  return std::nullopt;
}

// Warns when --target-region differs from the target region an input names. The command
// line takes precedence, as for every member of the relocation request, but a silent
// override could send the vault to a region the request did not mean.
void warnAboutOverriddenTargetRegion(const InputArguments& input, Plan& plan) {
  if (input.targetRegion.empty()) return;
  auto named = targetRegionInInputs(input.files);
  if (!named || normalizeRegion(named->second) == normalizeRegion(input.targetRegion)) return;
  plan.diagnostics.warning("W-TARGET-REGION-OVERRIDDEN",
                           "--target-region " + normalizeRegion(input.targetRegion) + " overrides the target region " +
                               normalizeRegion(named->second) + " that the input names; the plan relocates to " +
                               normalizeRegion(input.targetRegion) + ", so check which region is meant",
                           {}, named->first);
  plan.diagnostics.normalize();
}

// Every finding of loading and planning, each once: the planner may carry the estate's
// diagnostics over into the plan, and normalize() drops the exact duplicates.
Diagnostics mergedDiagnostics(const Diagnostics& estate, const Diagnostics& plan) {
  Diagnostics merged;
  for (const auto& diagnostic : estate.all()) merged.add(diagnostic);
  for (const auto& diagnostic : plan.all()) merged.add(diagnostic);
  merged.normalize();
  return merged;
}

void printDiagnostics(const Diagnostics& diagnostics, const ConsoleSettings& console) {
  for (const auto& diagnostic : diagnostics.all()) {
    if (diagnostic.severity == Severity::Info && !console.verbose) continue;
    std::cerr << formatDiagnostic(diagnostic) << '\n';
  }
  std::cerr.flush();
}

// The planner's finding for a plan without a target region. The map draws without one,
// so `map` does not print it.
constexpr const char* kTargetRegionMissing = "E-TARGET-REGION-MISSING";

Diagnostics withoutCode(const Diagnostics& diagnostics, const std::string& code) {
  Diagnostics out;
  for (const auto& diagnostic : diagnostics.all()) {
    if (diagnostic.code != code) out.add(diagnostic);
  }
  return out;
}

bool hasInputErrors(const Diagnostics& diagnostics) {
  for (const auto& diagnostic : diagnostics.all()) {
    if (diagnostic.severity == Severity::Error && isInputErrorCode(diagnostic.code)) return true;
  }
  return false;
}

std::string renderPlan(const Plan& plan, const PlanArguments& arguments) {
  if (arguments.format == "json") return viz::renderPlanJson(plan);
  if (arguments.format == "markdown") return viz::renderPlanMarkdown(plan, arguments.explain);
  if (arguments.format == "text") return viz::renderPlanText(plan, arguments.explain);
  throw UsageError("invalid --format '" + arguments.format + "' for plan; use text, markdown or json");
}

std::string renderMap(const Plan& plan, const std::string& format) {
  if (format == "json") return viz::renderMapJson(plan);
  if (format == "dot") return viz::renderDot(viz::buildMapModel(plan));
  if (format == "svg") return viz::renderSvg(viz::buildMapModel(plan));
  throw UsageError("invalid --format '" + format + "' for map; use dot, svg or json");
}

// Writes the target templates and adds the writer's notes to the plan, so the report
// lists them. Templates are not written from inputs that hold errors, because the
// rewrite could not be trusted.
void emitTemplates(const Estate& estate, Plan& plan, const PlanArguments& arguments) {
  const std::string& directory = arguments.emitTemplateDirectory;
  if (hasInputErrors(estate.diagnostics) || hasInputErrors(plan.diagnostics)) {
    plan.diagnostics.error("E-TEMPLATE-NOT-WRITTEN",
                           "no target template is written to " + directory +
                               " because the inputs hold errors; fix the errors listed and plan again");
    plan.diagnostics.normalize();
    return;
  }
  spdlog::info("writing the target templates to {}", directory);
  TemplateEmission emission;
  try {
    emission = emitTargetTemplates(estate, plan, {directory, arguments.input.parametersFile});
  } catch (const TemplateWriteError& e) {
    throw UsageError(std::string(e.what()) + " (--emit-template " + directory + ")");
  }
  for (const auto& diagnostic : emission.diagnostics.all()) plan.diagnostics.add(diagnostic);
  if (plan.hasBlockers() && !emission.written.empty()) {
    plan.diagnostics.warning("W-TEMPLATE-PLAN-BLOCKED",
                             "the target templates in " + directory +
                                 " were written, but the plan has blockers; resolve them before deploying");
  }
  plan.diagnostics.normalize();
  spdlog::info("wrote {} target template(s)", emission.written.size());
}

}  // namespace

bool isInputErrorCode(const std::string& code) {
  static constexpr std::array<std::string_view, 6> prefixes = {"E-INPUT-",      "E-TEMPLATE-",  "E-INVENTORY-",
                                                               "E-EXPRESSION-", "E-PARAMETER-", "E-PARAMETERS-"};
  for (auto prefix : prefixes) {
    if (startsWith(code, prefix)) return true;
  }
  return code == "E-RESOURCE-INVALID" || code == "E-COPY-COUNT-INVALID";
}

std::string formatDiagnostic(const Diagnostic& diagnostic) {
  std::string line = "kvrelocate: ";
  line += severityName(diagnostic.severity);
  line += ": ";
  std::string where = diagnostic.location.str();
  if (!where.empty()) line += where + ": ";
  line += "[" + diagnostic.code + "] " + diagnostic.message;
  if (!diagnostic.resourceId.empty()) line += " (" + diagnostic.resourceId + ")";
  // One diagnostic, one line: a line break inside a message would split it.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

int exitCodeFor(const Diagnostics& diagnostics, bool blockersFail) {
  if (hasInputErrors(diagnostics)) return kExitInvalidInput;
  if (blockersFail && diagnostics.hasErrors()) return kExitBlocked;
  return kExitSuccess;
}

std::string validateSecretVersions(const std::string& value) {
  if (value == "all" || value == "latest") return {};
  constexpr std::string_view prefix = "last:";
  if (startsWith(value, prefix)) {
    std::string_view digits = std::string_view(value).substr(prefix.size());
    unsigned long count = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (!digits.empty() && error == std::errc() && end == digits.data() + digits.size() && count >= 1) return {};
  }
  return "invalid secret versions '" + value + "': use all, latest or last:N with N a whole number from 1";
}

int runPlan(const PlanArguments& arguments, const ConsoleSettings& console) {
  Estate estate = loadInputs(arguments.input);
  std::string targetRegion = requestedTargetRegion(arguments.input, estate);
  if (targetRegion.empty()) {
    printDiagnostics(estate.diagnostics, console);
    // A file that failed to load may be the one that names the target region.
    if (hasInputErrors(estate.diagnostics)) return kExitInvalidInput;
    throw UsageError("no target region: pass --target-region REGION, because the inputs name none");
  }

  spdlog::info("planning the relocation to {}", targetRegion);
  Plan plan = makePlan(estate, planOptionsFor(arguments.input, targetRegion));
  warnAboutOverriddenTargetRegion(arguments.input, plan);
  if (!arguments.emitTemplateDirectory.empty()) emitTemplates(estate, plan, arguments);
  Diagnostics diagnostics = mergedDiagnostics(estate.diagnostics, plan.diagnostics);
  printDiagnostics(diagnostics, console);

  writeOutput(arguments.outputFile, renderPlan(plan, arguments));
  spdlog::info("wrote the plan: {} steps, {} diagnostics", plan.steps.size(), diagnostics.all().size());
  return exitCodeFor(diagnostics, /*blockersFail=*/true);
}

int runMap(const MapArguments& arguments, const ConsoleSettings& console) {
  Estate estate = loadInputs(arguments.input);

  // The map needs a target only to colour nodes by strategy; without one, planning
  // towards the source region still classifies every node.
  std::string targetRegion = requestedTargetRegion(arguments.input, estate);
  if (targetRegion.empty()) targetRegion = normalizeRegion(estate.relocation.sourceLocation);
  spdlog::info("building the map{}", targetRegion.empty() ? std::string() : " with target region " + targetRegion);

  Plan plan = makePlan(estate, planOptionsFor(arguments.input, targetRegion));
  warnAboutOverriddenTargetRegion(arguments.input, plan);
  Diagnostics diagnostics = mergedDiagnostics(estate.diagnostics, withoutCode(plan.diagnostics, kTargetRegionMissing));
  printDiagnostics(diagnostics, console);

  writeOutput(arguments.outputFile, renderMap(plan, arguments.format));
  spdlog::info("wrote the map as {}", arguments.format);
  return exitCodeFor(diagnostics, /*blockersFail=*/false);
}

}  // namespace kvr::cli
