#include "viz/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "discovery/diagnostics.h"
#include "discovery/resource_id.h"
#include "viz/labels.h"
#include "viz/map_builder.h"

namespace kvr::viz {

namespace {

// Dumps a document as the reports promise: keys sorted, 2-space indent, trailing newline.
// Invalid UTF-8 in a name is replaced rather than thrown on, so a report always prints.
std::string dumpSorted(const Json& document) {
  return sortedCopy(document).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::map<std::string, const PlanNode*> nodesByKey(const Plan& plan) {
  std::map<std::string, const PlanNode*> out;
  for (const auto& node : plan.nodes) out.emplace(node.key, &node);
  return out;
}

// Step orders per wave, in ascending wave order. Waves are grouped by the value the
// planner stored, so the renderer does not assume they start at 0 or at 1.
std::map<std::size_t, std::vector<std::size_t>> stepsByWave(const Plan& plan) {
  std::map<std::size_t, std::vector<std::size_t>> out;
  for (const auto& step : plan.steps) out[step.wave].push_back(step.order);
  for (auto& [wave, orders] : out) std::sort(orders.begin(), orders.end());
  return out;
}

std::vector<const Diagnostic*> diagnosticsOf(const Plan& plan, Severity severity) {
  std::vector<const Diagnostic*> out;
  for (const auto& diagnostic : plan.diagnostics.all()) {
    if (diagnostic.severity == severity) out.push_back(&diagnostic);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Plan document: writing

Json endpointJson(const PlanEndpoint& endpoint) {
  return {{"subscriptionId", endpoint.subscriptionId},
          {"resourceGroup", endpoint.resourceGroup},
          {"location", endpoint.location},
          {"geography", endpoint.geography}};
}

Json vaultJson(const VaultRelocation& vault) {
  return {{"sourceId", vault.sourceId},
          {"sourceName", vault.sourceName},
          {"targetId", vault.targetId},
          {"targetName", vault.targetName},
          {"nameReason", vault.nameReason}};
}

Json nodeJson(const PlanNode& node) {
  return {{"key", node.key},
          {"id", node.id},
          {"type", node.type},
          {"name", node.name},
          {"resourceGroup", node.resourceGroup},
          {"location", node.location},
          {"external", node.external},
          {"strategy", strategyName(node.strategy)},
          {"reason", node.reason},
          {"rule", node.rule},
          {"targetId", node.targetId},
          {"targetName", node.targetName},
          {"targetLocation", node.targetLocation},
          {"parameters", node.parameters},
          {"manualSteps", node.manualSteps},
          {"foldedInto", node.foldedInto},
          {"order", node.order},
          {"wave", node.wave},
          {"after", node.after}};
}

Json stepJson(const PlanStep& step, const PlanNode* node) {
  Json resource = {{"id", ""}, {"type", ""}, {"name", ""}};
  Json out = {{"order", step.order}, {"wave", step.wave},           {"node", step.node},
              {"dependsOn", step.dependsOn}, {"strategy", ""}, {"reason", ""},
              {"manualSteps", Json::array()}};
  if (node != nullptr) {
    resource = {{"id", node->id}, {"type", node->type}, {"name", node->name}};
    out["strategy"] = strategyName(node->strategy);
    out["reason"] = node->reason;
    out["manualSteps"] = node->manualSteps;
  }
  out["resource"] = std::move(resource);
  return out;
}

Json diagnosticJson(const Diagnostic& diagnostic) {
  Json column = diagnostic.location.column >= 0 ? Json(diagnostic.location.column) : Json(nullptr);
  return {{"code", diagnostic.code},
          {"message", diagnostic.message},
          {"resourceId", diagnostic.resourceId},
          {"location", {{"file", diagnostic.location.file}, {"pointer", diagnostic.location.pointer}, {"column", column}}}};
}

Json diagnosticsJson(const Plan& plan, Severity severity) {
  Json out = Json::array();
  for (const Diagnostic* diagnostic : diagnosticsOf(plan, severity)) out.push_back(diagnosticJson(*diagnostic));
  return out;
}

Json stepsJson(const Plan& plan) {
  auto nodes = nodesByKey(plan);
  Json out = Json::array();
  for (const auto& step : plan.steps) {
    auto it = nodes.find(step.node);
    out.push_back(stepJson(step, it == nodes.end() ? nullptr : it->second));
  }
  return out;
}

Json wavesJson(const Plan& plan) {
  Json out = Json::array();
  for (const auto& [wave, orders] : stepsByWave(plan)) out.push_back(orders);
  return out;
}

Json estimateJson(const Plan::Estimate& estimate) {
  return {{"criticalPathSeconds", estimate.criticalPathSeconds},
          {"dataPlaneSeconds", estimate.dataPlaneSeconds},
          {"totalSeconds", estimate.totalSeconds},
          {"criticalPath", estimate.criticalPath}};
}

Json planDocument(const Plan& plan) {
  Json document = Json::object();
  document["kind"] = kPlanKind;
  document["version"] = kPlanVersion;
  document["source"] = endpointJson(plan.source);
  document["target"] = endpointJson(plan.target);

  Json vaults = Json::array();
  for (const auto& vault : plan.vaults) vaults.push_back(vaultJson(vault));
  document["vaults"] = std::move(vaults);

  Json nodes = Json::array();
  Json outOfScope = Json::array();
  for (const auto& node : plan.nodes) {
    nodes.push_back(nodeJson(node));
    if (node.strategy == Strategy::OutOfScope) outOfScope.push_back({{"id", node.id}, {"type", node.type}});
  }
  document["nodes"] = std::move(nodes);
  document["outOfScope"] = std::move(outOfScope);

  Json edges = Json::array();
  for (const auto& edge : plan.edges) {
    edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}, {"evidence", edge.evidence}});
  }
  document["edges"] = std::move(edges);

  document["steps"] = stepsJson(plan);
  document["waves"] = wavesJson(plan);
  document["waveCount"] = plan.waveCount;
  document["manualSteps"] = plan.manualSteps;
  document["blockers"] = diagnosticsJson(plan, Severity::Error);
  document["warnings"] = diagnosticsJson(plan, Severity::Warning);
  document["notes"] = diagnosticsJson(plan, Severity::Info);
  document["estimate"] = estimateJson(plan.estimate);
  document["rulesRun"] = plan.rulesRun;
  document["inputs"] = plan.inputs;
  document["options"] = plan.options;
  return document;
}

// ---------------------------------------------------------------------------------------
// Plan document: reading

// Reads members of one plan document, throwing InputError with the file and the JSON
// pointer of the member that is missing or has the wrong type.
class PlanReader {
 public:
  explicit PlanReader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    throw InputError({file_, pointer, -1}, message);
  }

  const Json& member(const Json& object, const char* name, const std::string& pointer) const {
    if (!object.is_object()) fail(pointer, "expected a JSON object");
    auto it = object.find(name);
    if (it == object.end()) {
      fail(pointerAppend(pointer, name), std::string("missing member \"") + name + "\"; write the plan again with 'kvrelocate plan'");
    }
    return *it;
  }

  std::string string(const Json& object, const char* name, const std::string& pointer) const {
    const Json& value = member(object, name, pointer);
    if (!value.is_string()) fail(pointerAppend(pointer, name), "expected a string");
    return value.get<std::string>();
  }

  bool boolean(const Json& object, const char* name, const std::string& pointer) const {
    const Json& value = member(object, name, pointer);
    if (!value.is_boolean()) fail(pointerAppend(pointer, name), "expected true or false");
    return value.get<bool>();
  }

  std::size_t count(const Json& value, const std::string& pointer) const {
    if (!value.is_number_unsigned()) fail(pointer, "expected a whole number of 0 or more");
    return value.get<std::size_t>();
  }

  std::size_t count(const Json& object, const char* name, const std::string& pointer) const {
    return count(member(object, name, pointer), pointerAppend(pointer, name));
  }

  double number(const Json& object, const char* name, const std::string& pointer) const {
    const Json& value = member(object, name, pointer);
    if (!value.is_number()) fail(pointerAppend(pointer, name), "expected a number");
    return value.get<double>();
  }

  const Json& array(const Json& object, const char* name, const std::string& pointer) const {
    const Json& value = member(object, name, pointer);
    if (!value.is_array()) fail(pointerAppend(pointer, name), "expected an array");
    return value;
  }

  std::vector<std::string> strings(const Json& object, const char* name, const std::string& pointer) const {
    const Json& values = array(object, name, pointer);
    std::string arrayPointer = pointerAppend(pointer, name);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_string()) fail(pointerAppend(arrayPointer, i), "expected a string");
      out.push_back(values[i].get<std::string>());
    }
    return out;
  }

  std::vector<std::size_t> counts(const Json& object, const char* name, const std::string& pointer) const {
    const Json& values = array(object, name, pointer);
    std::string arrayPointer = pointerAppend(pointer, name);
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < values.size(); ++i) out.push_back(count(values[i], pointerAppend(arrayPointer, i)));
    return out;
  }

  Strategy strategy(const Json& object, const std::string& pointer) const {
    std::string name = string(object, "strategy", pointer);
    auto strategy = parseStrategy(name);
    if (!strategy) fail(pointerAppend(pointer, "strategy"), "unknown strategy \"" + name + "\"");
    return *strategy;
  }

 private:
  const std::string& file_;
};

void checkKindAndVersion(const PlanReader& reader, const Json& document) {
  std::string kind = reader.string(document, "kind", "");
  if (kind != kPlanKind) {
    reader.fail("/kind", "expected kind \"" + std::string(kPlanKind) + "\" but found \"" + kind + "\"; pass a plan written by 'kvrelocate plan --format json'");
  }
  std::string version = reader.string(document, "version", "");
  std::string supported = kPlanVersion;
  auto major = [](const std::string& text) { return text.substr(0, text.find('.')); };
  if (major(version) != major(supported)) {
    reader.fail("/version", "plan version " + version + " is not supported (this kvrelocate reads " + major(supported) +
                                ".x); write the plan again with this kvrelocate");
  }
}

PlanEndpoint readEndpoint(const PlanReader& reader, const Json& document, const char* name) {
  std::string pointer = pointerAppend("", name);
  const Json& object = reader.member(document, name, "");
  return {reader.string(object, "subscriptionId", pointer), reader.string(object, "resourceGroup", pointer),
          reader.string(object, "location", pointer), reader.string(object, "geography", pointer)};
}

VaultRelocation readVault(const PlanReader& reader, const Json& object, const std::string& pointer) {
  return {reader.string(object, "sourceId", pointer), reader.string(object, "sourceName", pointer),
          reader.string(object, "targetId", pointer), reader.string(object, "targetName", pointer),
          reader.string(object, "nameReason", pointer)};
}

PlanNode readNode(const PlanReader& reader, const Json& object, const std::string& pointer) {
  PlanNode node;
  node.key = reader.string(object, "key", pointer);
  node.id = reader.string(object, "id", pointer);
  node.type = reader.string(object, "type", pointer);
  node.name = reader.string(object, "name", pointer);
  node.resourceGroup = reader.string(object, "resourceGroup", pointer);
  node.location = reader.string(object, "location", pointer);
  node.external = reader.boolean(object, "external", pointer);
  node.strategy = reader.strategy(object, pointer);
  node.reason = reader.string(object, "reason", pointer);
  node.rule = reader.string(object, "rule", pointer);
  node.targetId = reader.string(object, "targetId", pointer);
  node.targetName = reader.string(object, "targetName", pointer);
  node.targetLocation = reader.string(object, "targetLocation", pointer);
  node.parameters = reader.member(object, "parameters", pointer);
  node.manualSteps = reader.strings(object, "manualSteps", pointer);
  node.foldedInto = reader.string(object, "foldedInto", pointer);
  node.order = reader.count(object, "order", pointer);
  node.wave = reader.count(object, "wave", pointer);
  node.after = reader.strings(object, "after", pointer);
  return node;
}

PlanStep readStep(const PlanReader& reader, const Json& object, const std::string& pointer) {
  PlanStep step;
  step.order = reader.count(object, "order", pointer);
  step.wave = reader.count(object, "wave", pointer);
  step.node = reader.string(object, "node", pointer);
  step.dependsOn = reader.counts(object, "dependsOn", pointer);
  return step;
}

PlanEdge readEdge(const PlanReader& reader, const Json& object, const std::string& pointer) {
  return {reader.string(object, "from", pointer), reader.string(object, "to", pointer),
          reader.string(object, "kind", pointer), reader.string(object, "evidence", pointer)};
}

Diagnostic readDiagnostic(const PlanReader& reader, const Json& object, const std::string& pointer, Severity severity) {
  Diagnostic diagnostic;
  diagnostic.severity = severity;
  diagnostic.code = reader.string(object, "code", pointer);
  diagnostic.message = reader.string(object, "message", pointer);
  diagnostic.resourceId = reader.string(object, "resourceId", pointer);
  std::string locationPointer = pointerAppend(pointer, "location");
  const Json& location = reader.member(object, "location", pointer);
  diagnostic.location.file = reader.string(location, "file", locationPointer);
  diagnostic.location.pointer = reader.string(location, "pointer", locationPointer);
  const Json& column = reader.member(location, "column", locationPointer);
  if (!column.is_null()) {
    diagnostic.location.column = static_cast<int>(reader.count(column, pointerAppend(locationPointer, "column")));
  }
  return diagnostic;
}

// Calls `read(element, pointer)` for each element of the array member `name`.
template <typename Read>
void forEachElement(const PlanReader& reader, const Json& document, const char* name, Read read) {
  const Json& values = reader.array(document, name, "");
  std::string pointer = pointerAppend("", name);
  for (std::size_t i = 0; i < values.size(); ++i) read(values[i], pointerAppend(pointer, i));
}

Plan::Estimate readEstimate(const PlanReader& reader, const Json& document) {
  const Json& object = reader.member(document, "estimate", "");
  Plan::Estimate estimate;
  estimate.criticalPathSeconds = reader.number(object, "criticalPathSeconds", "/estimate");
  estimate.dataPlaneSeconds = reader.number(object, "dataPlaneSeconds", "/estimate");
  estimate.totalSeconds = reader.number(object, "totalSeconds", "/estimate");
  estimate.criticalPath = reader.strings(object, "criticalPath", "/estimate");
  return estimate;
}

// ---------------------------------------------------------------------------------------
// Text and Markdown: one neutral document, two writers

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // The text writer prints the columns from this one on as "Header: value" lines under
  // each row, so long reasons do not widen the table; Markdown keeps them as columns.
  std::size_t detailFrom = std::numeric_limits<std::size_t>::max();
};

// The report being written. Text is wrapped for a terminal; Markdown is left to its viewer.
enum class ReportFormat { Text, Markdown };

// One block of a report section: "name: value" fields, a bullet list (numbered when
// `numbered` is set), a table or a paragraph.
struct Block {
  enum class Kind { Fields, List, Table, Text } kind = Kind::Text;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> items;
  bool numbered = false;
  Table table;
  std::string text;
};

struct Section {
  std::string heading;
  int level = 2;  // 1 for the title, 2 for sections, 3 for a part of a section
  std::vector<Block> blocks;
};

Block fieldsBlock(std::vector<std::pair<std::string, std::string>> fields) {
  Block block;
  block.kind = Block::Kind::Fields;
  block.fields = std::move(fields);
  return block;
}

Block listBlock(std::vector<std::string> items, bool numbered = false) {
  Block block;
  block.kind = Block::Kind::List;
  block.items = std::move(items);
  block.numbered = numbered;
  return block;
}

Block tableBlock(Table table) {
  Block block;
  block.kind = Block::Kind::Table;
  block.table = std::move(table);
  return block;
}

Block textBlock(std::string text) {
  Block block;
  block.kind = Block::Kind::Text;
  block.text = std::move(text);
  return block;
}

std::string joinStrings(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : separator) + parts[i];
  return out;
}

std::string joinOrders(const std::vector<std::size_t>& orders) {
  std::vector<std::string> parts;
  for (auto order : orders) parts.push_back(std::to_string(order));
  return joinStrings(parts, ", ");
}

std::string describeEndpoint(const PlanEndpoint& endpoint) {
  std::string out = endpoint.location.empty() ? "(region not set)" : endpoint.location;
  if (!endpoint.geography.empty()) out += " (" + endpoint.geography + ")";
  out += ", subscription " + (endpoint.subscriptionId.empty() ? "(not set)" : endpoint.subscriptionId);
  out += ", resource group " + (endpoint.resourceGroup.empty() ? "(not set)" : endpoint.resourceGroup);
  return out;
}

std::string describeDiagnostic(const Diagnostic& diagnostic, const Plan& plan, ReportFormat format) {
  std::string out = "[" + diagnostic.code + "] " + diagnostic.message;
  if (!diagnostic.resourceId.empty()) {
    out += " (" +
           (format == ReportFormat::Text ? readableResource(diagnostic.resourceId, plan.source.resourceGroup)
                                         : diagnostic.resourceId) +
           ")";
  }
  std::string where = diagnostic.location.str();
  if (!where.empty()) out += " at " + where;
  return out;
}

std::string planStatus(const Plan& plan) {
  std::size_t blockers = diagnosticsOf(plan, Severity::Error).size();
  if (blockers == 0) return "ready: no blockers";
  return "blocked: " + std::to_string(blockers) + (blockers == 1 ? " blocker" : " blockers") + " to resolve first";
}

Section summarySection(const Plan& plan) {
  Section section{"Relocation plan", 1, {}};
  section.blocks.push_back(fieldsBlock({{"Source", describeEndpoint(plan.source)},
                                        {"Target", describeEndpoint(plan.target)},
                                        {"Inputs", plan.inputs.empty() ? "none" : joinStrings(plan.inputs, ", ")},
                                        {"Status", planStatus(plan)}}));
  return section;
}

Section vaultsSection(const Plan& plan) {
  Section section{"Vaults", 2, {}};
  if (plan.vaults.empty()) {
    section.blocks.push_back(textBlock("No vault to relocate."));
    return section;
  }
  Table table{{"Source vault", "Target vault", "How the name was chosen"}, {}};
  for (const auto& vault : plan.vaults) table.rows.push_back({vault.sourceName, vault.targetName, vault.nameReason});
  section.blocks.push_back(tableBlock(std::move(table)));
  return section;
}

// Returns where the step puts the resource: its target name and group when either
// changes, "same" when it keeps its id (a re-pointed consumer), the planner's note when
// the target name is only known at apply time, empty when none applies.
std::string targetCell(const PlanNode& node) {
  if (node.targetId.empty() && node.targetName.empty() && node.parameters.contains("target") &&
      node.parameters["target"].is_string()) {
    return node.parameters["target"].get<std::string>();
  }
  if (node.targetId.empty()) return node.targetName;
  if (iequals(node.targetId, node.id)) return "same";
  auto parsed = parseResourceId(node.targetId);
  if (!parsed || parsed->resourceGroup.empty() || iequals(parsed->resourceGroup, node.resourceGroup)) {
    return node.targetName;
  }
  return node.targetName + " in " + parsed->resourceGroup;
}

Section stepsSection(const Plan& plan) {
  Section section{"Steps", 2, {}};
  if (plan.steps.empty()) {
    section.blocks.push_back(textBlock("No steps."));
    return section;
  }
  auto nodes = nodesByKey(plan);
  Table table{{"Order", "Wave", "Strategy", "Resource", "Target", "Reason"}, {}, 4};
  for (const auto& step : plan.steps) {
    auto it = nodes.find(step.node);
    const PlanNode* node = it == nodes.end() ? nullptr : it->second;
    table.rows.push_back({std::to_string(step.order), std::to_string(step.wave),
                          node ? strategyName(node->strategy) : "",
                          node ? stepLabel(*node, plan.source.resourceGroup) : step.node,
                          node ? targetCell(*node) : "", node ? node->reason : ""});
  }
  section.blocks.push_back(tableBlock(std::move(table)));
  return section;
}

Section wavesSection(const Plan& plan) {
  Section section{"Waves", 2, {}};
  auto waves = stepsByWave(plan);
  if (waves.empty()) {
    section.blocks.push_back(textBlock("No waves."));
    return section;
  }
  section.blocks.push_back(textBlock("Steps of one wave do not depend on each other and may run in parallel."));
  std::vector<std::string> items;
  for (const auto& [wave, orders] : waves) {
    items.push_back("wave " + std::to_string(wave) + ": " + (orders.size() == 1 ? "step " : "steps ") + joinOrders(orders));
  }
  section.blocks.push_back(listBlock(std::move(items)));
  return section;
}

// Returns the step order that a manual step of the plan starts with ("step 12: ..."), or 0.
std::size_t manualStepOrder(const std::string& item) {
  constexpr std::string_view prefix = "step ";
  if (item.rfind(prefix, 0) != 0) return 0;
  std::size_t order = 0;
  auto [end, error] = std::from_chars(item.data() + prefix.size(), item.data() + item.size(), order);
  return error == std::errc() && std::string_view(end, 2) == ": " ? order : 0;
}

// Returns the plan's manual steps and, for each external step, the relocation the operator
// does outside kvrelocate, merged in step order.
std::vector<std::string> manualSteps(const Plan& plan) {
  std::vector<std::pair<std::size_t, std::string>> ordered;
  for (const auto& item : plan.manualSteps) ordered.emplace_back(manualStepOrder(item), item);
  std::string region = plan.target.location.empty() ? "the target region" : plan.target.location;
  for (const auto& step : plan.steps) {
    const PlanNode* node = plan.node(step.node);
    if (!node || node->strategy != Strategy::External) continue;
    ordered.emplace_back(step.order, "step " + std::to_string(step.order) + ": Relocate " +
                                         stepLabel(*node, plan.source.resourceGroup) + " to " + region +
                                         " by its own procedure. apply stops at this step until its new id is "
                                         "passed with --map SOURCE_ID=NEW_ID.");
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> items;
  for (auto& [order, item] : ordered) items.push_back(std::move(item));
  return items;
}

Section manualStepsSection(const Plan& plan) {
  Section section{"Manual steps", 2, {}};
  std::vector<std::string> items = manualSteps(plan);
  if (items.empty()) {
    section.blocks.push_back(textBlock("None."));
  } else {
    section.blocks.push_back(listBlock(std::move(items), /*numbered=*/true));
  }
  return section;
}

Section diagnosticsSection(const Plan& plan, Severity severity, const std::string& heading, ReportFormat format) {
  Section section{heading, 2, {}};
  std::vector<std::string> items;
  for (const Diagnostic* diagnostic : diagnosticsOf(plan, severity)) {
    items.push_back(describeDiagnostic(*diagnostic, plan, format));
  }
  if (items.empty()) {
    section.blocks.push_back(textBlock("None."));
  } else {
    section.blocks.push_back(listBlock(std::move(items)));
  }
  return section;
}

// Lists the nodes that are in scope but get no step: resources reused as they are and
// objects that are not copied. Other nodes without a step of their own are created by
// another step (foldedInto) and need no entry here.
Section keptOrDroppedSection(const Plan& plan) {
  Section section{"Kept or dropped", 2, {}};
  Table table{{"Strategy", "Resource", "Reason"}, {}, 2};
  for (const auto& node : plan.nodes) {
    if (node.strategy != Strategy::Reuse && node.strategy != Strategy::Drop) continue;
    table.rows.push_back({strategyName(node.strategy), stepLabel(node, plan.source.resourceGroup), node.reason});
  }
  if (table.rows.empty()) {
    section.blocks.push_back(textBlock("None."));
  } else {
    section.blocks.push_back(textBlock("These resources have no step: a reused resource serves the target as it is, "
                                       "and a dropped object is not copied on its own."));
    section.blocks.push_back(tableBlock(std::move(table)));
  }
  return section;
}

Section outOfScopeSection(const Plan& plan, ReportFormat format) {
  Section section{"Out of scope", 2, {}};
  // The text report names each resource by name and type; Markdown, for tickets, by id.
  Table table{format == ReportFormat::Text ? std::vector<std::string>{"Resource"} : std::vector<std::string>{"Type", "Id"},
              {}};
  for (const auto& node : plan.nodes) {
    if (node.strategy != Strategy::OutOfScope) continue;
    if (format == ReportFormat::Text) {
      table.rows.push_back({stepLabel(node, plan.source.resourceGroup)});
    } else {
      table.rows.push_back({shortTypeName(node.type), node.id.empty() ? node.key : node.id});
    }
  }
  if (table.rows.empty()) {
    section.blocks.push_back(textBlock("None."));
  } else {
    section.blocks.push_back(textBlock("These resources are not relocated by this plan."));
    section.blocks.push_back(tableBlock(std::move(table)));
  }
  return section;
}


Section estimateSection(const Plan& plan) {
  Section section{"Estimate", 2, {}};
  const auto& estimate = plan.estimate;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Total", humanDuration(estimate.totalSeconds)},
      {"Critical path", humanDuration(estimate.criticalPathSeconds)},
      {"Data plane", humanDuration(estimate.dataPlaneSeconds)}};
  if (!estimate.criticalPath.empty()) {
    // The chain names each step as the Steps section does.
    auto nodes = nodesByKey(plan);
    std::vector<std::string> labels;
    for (const auto& key : estimate.criticalPath) {
      auto it = nodes.find(key);
      labels.push_back(it == nodes.end() ? key : stepLabel(*it->second, plan.source.resourceGroup));
    }
    fields.emplace_back("Longest chain", joinStrings(labels, " -> "));
  }
  section.blocks.push_back(fieldsBlock(std::move(fields)));
  section.blocks.push_back(textBlock(
      "The durations are lower bounds: the longest chain of steps, and the data-plane copies under the target vault's "
      "throttling limit."));
  return section;
}

std::vector<Section> explainSections(const Plan& plan) {
  std::vector<Section> sections;
  sections.push_back({"Why each node has its strategy and place", 2, {}});
  for (const auto& node : plan.nodes) {
    Section part{node.id.empty() && node.name.empty() ? node.key : stepLabel(node, plan.source.resourceGroup), 3, {}};
    std::vector<std::pair<std::string, std::string>> fields = {
        {"Key", node.key},
        {"Type", node.type},
        {"Strategy", strategyName(node.strategy)},
        {"Rule", node.rule.empty() ? "(none)" : node.rule},
        {"Reason", node.reason},
        {"Order", node.order == 0 ? "not a step" : std::to_string(node.order) + ", wave " + std::to_string(node.wave)}};
    if (!node.foldedInto.empty()) fields.emplace_back("Created by", node.foldedInto);
    part.blocks.push_back(fieldsBlock(std::move(fields)));
    if (!node.after.empty()) {
      part.blocks.push_back(textBlock("Placed after:"));
      part.blocks.push_back(listBlock(node.after));
    }
    sections.push_back(std::move(part));
  }
  Section rules{"Feasibility rules run", 2, {}};
  if (plan.rulesRun.empty()) {
    rules.blocks.push_back(textBlock("None."));
  } else {
    rules.blocks.push_back(listBlock(plan.rulesRun, /*numbered=*/true));
  }
  sections.push_back(std::move(rules));
  return sections;
}

std::vector<Section> planSections(const Plan& plan, bool explain, ReportFormat format) {
  std::vector<Section> sections = {summarySection(plan),
                                   vaultsSection(plan),
                                   stepsSection(plan),
                                   wavesSection(plan),
                                   manualStepsSection(plan),
                                   diagnosticsSection(plan, Severity::Error, "Blockers", format),
                                   diagnosticsSection(plan, Severity::Warning, "Warnings", format),
                                   diagnosticsSection(plan, Severity::Info, "Notes", format),
                                   keptOrDroppedSection(plan),
                                   outOfScopeSection(plan, format),
                                   estimateSection(plan)};
  if (explain) {
    for (auto& section : explainSections(plan)) sections.push_back(std::move(section));
  }
  return sections;
}

std::string oneLine(std::string text, const std::string& lineBreak) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += lineBreak;
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Text writer

// Lines of the text report stay within this many columns where words allow: a word
// longer than the room left is broken after a '/', '-', '_' or '.', or else cut.
constexpr std::size_t kTextWidth = 100;
// The minimum width of a wrapped column, however far right it starts.
constexpr std::size_t kMinWrapWidth = 30;

std::size_t roomFrom(std::size_t column) { return std::max(kMinWrapWidth, kTextWidth - std::min(kTextWidth, column)); }

// Writes `text` wrapped, the first line after `first`, the others indented to its width.
void writeWrapped(std::ostringstream& out, const std::string& first, const std::string& text) {
  std::size_t indent = displayWidth(first);
  std::vector<std::string> lines = wrapText(text, roomFrom(indent));
  out << first << lines.front() << "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) out << std::string(indent, ' ') << lines[i] << "\n";
}

// Writes the table's columns before `detailFrom` as aligned columns, the last of them
// wrapped to the report width, and the columns after it as "Header: value" lines under
// each row.
void writeTextTable(std::ostringstream& out, const Table& table) {
  std::size_t columns = std::max<std::size_t>(1, std::min(table.header.size(), table.detailFrom));
  std::vector<std::size_t> widths(columns, 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (std::size_t column = 0; column < columns && column < row.size(); ++column) {
      widths[column] = std::max(widths[column], displayWidth(oneLine(row[column], " ")));
    }
  };
  widen(table.header);
  for (const auto& row : table.rows) widen(row);
  std::size_t lastStart = 2;
  for (std::size_t column = 0; column + 1 < columns; ++column) lastStart += widths[column] + 2;
  widths[columns - 1] = std::min(widths[columns - 1], roomFrom(lastStart));

  auto writeRow = [&](const std::vector<std::string>& row) {
    std::vector<std::string> last = wrapText(columns <= row.size() ? row[columns - 1] : "", widths[columns - 1]);
    std::string line = "  ";
    for (std::size_t column = 0; column + 1 < columns; ++column) {
      std::string cell = column < row.size() ? oneLine(row[column], " ") : "";
      line += cell + std::string(widths[column] - std::min(widths[column], displayWidth(cell)) + 2, ' ');
    }
    for (std::size_t i = 0; i < last.size(); ++i) {
      std::string text = (i == 0 ? line : std::string(lastStart, ' ')) + last[i];
      // Lines carry no trailing spaces.
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out << text << "\n";
    }
    for (std::size_t column = columns; column < row.size() && column < table.header.size(); ++column) {
      if (!row[column].empty()) writeWrapped(out, std::string(lastStart, ' ') + table.header[column] + ": ", row[column]);
    }
  };
  writeRow(std::vector<std::string>(table.header.begin(), table.header.begin() + static_cast<std::ptrdiff_t>(columns)));
  std::vector<std::string> rule;
  for (auto width : widths) rule.push_back(std::string(width, '-'));
  writeRow(rule);
  for (const auto& row : table.rows) writeRow(row);
}

void writeTextBlock(std::ostringstream& out, const Block& block) {
  switch (block.kind) {
    case Block::Kind::Fields: {
      std::size_t width = 0;
      for (const auto& [name, value] : block.fields) width = std::max(width, displayWidth(name));
      for (const auto& [name, value] : block.fields) {
        writeWrapped(out, "  " + name + ":" + std::string(width - displayWidth(name) + 1, ' '), value);
      }
      break;
    }
    case Block::Kind::List:
      for (std::size_t i = 0; i < block.items.size(); ++i) {
        std::string marker = block.numbered ? std::to_string(i + 1) + "." : "-";
        writeWrapped(out, "  " + marker + " ", block.items[i]);
      }
      break;
    case Block::Kind::Table:
      writeTextTable(out, block.table);
      break;
    case Block::Kind::Text:
      writeWrapped(out, "  ", block.text);
      break;
  }
}

std::string writeText(const std::vector<Section>& sections) {
  std::ostringstream out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    if (i > 0) out << "\n";
    std::string heading = oneLine(section.heading, " ");
    if (section.level == 3) {
      out << "* " << heading << "\n";
    } else {
      out << heading << "\n" << std::string(displayWidth(heading), section.level == 1 ? '=' : '-') << "\n";
    }
    for (const auto& block : section.blocks) writeTextBlock(out, block);
  }
  return out.str();
}

// ---------------------------------------------------------------------------------------
// Markdown writer

// Escapes a table cell: `|` would end the cell and a line break would end the row.
std::string markdownCell(const std::string& text) {
  std::string out;
  for (char c : oneLine(text, "<br>")) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

void writeMarkdownRow(std::ostringstream& out, const std::vector<std::string>& cells) {
  out << "|";
  for (const auto& cell : cells) out << " " << markdownCell(cell) << " |";
  out << "\n";
}

void writeMarkdownBlock(std::ostringstream& out, const Block& block) {
  switch (block.kind) {
    case Block::Kind::Fields:
      for (const auto& [name, value] : block.fields) out << "- **" << name << ":** " << oneLine(value, " ") << "\n";
      break;
    case Block::Kind::List:
      for (std::size_t i = 0; i < block.items.size(); ++i) {
        std::string marker = block.numbered ? std::to_string(i + 1) + "." : "-";
        out << marker << " " << oneLine(block.items[i], " ") << "\n";
      }
      break;
    case Block::Kind::Table: {
      writeMarkdownRow(out, block.table.header);
      out << "|";
      for (std::size_t i = 0; i < block.table.header.size(); ++i) out << " --- |";
      out << "\n";
      for (const auto& row : block.table.rows) writeMarkdownRow(out, row);
      break;
    }
    case Block::Kind::Text:
      out << oneLine(block.text, " ") << "\n";
      break;
  }
}

std::string writeMarkdown(const std::vector<Section>& sections) {
  std::ostringstream out;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    if (i > 0) out << "\n";
    out << std::string(static_cast<std::size_t>(section.level), '#') << " " << oneLine(section.heading, " ") << "\n";
    for (const auto& block : section.blocks) {
      // A blank line before each block keeps lists, tables and paragraphs apart.
      out << "\n";
      writeMarkdownBlock(out, block);
    }
  }
  return out.str();
}

// ---------------------------------------------------------------------------------------
// Map document

Json mapDocument(const MapModel& model) {
  Json nodes = Json::array();
  std::map<std::string, std::vector<std::string>> clusters;
  for (const auto& node : model.nodes) {
    nodes.push_back({{"id", node.id},
                     {"label", node.label},
                     {"cluster", node.cluster},
                     {"strategy", node.strategy},
                     {"tooltip", node.tooltip},
                     {"external", node.external}});
    if (!node.cluster.empty()) clusters[node.cluster].push_back(node.id);
  }
  Json edges = Json::array();
  for (const auto& edge : model.edges) {
    edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}, {"evidence", edge.evidence}});
  }
  Json clusterList = Json::array();
  for (const auto& [name, members] : clusters) clusterList.push_back({{"name", name}, {"nodes", members}});
  return {{"kind", kMapKind}, {"version", kMapVersion}, {"title", model.title},
          {"nodes", nodes},   {"edges", edges},         {"clusters", clusterList}};
}

}  // namespace

std::string renderPlanJson(const Plan& plan) { return dumpSorted(planDocument(plan)); }

Plan readPlanJson(const Json& document, const std::string& file) {
  PlanReader reader(file);
  if (!document.is_object()) reader.fail("", "expected a JSON object; pass a plan written by 'kvrelocate plan --format json'");
  checkKindAndVersion(reader, document);

  Plan plan;
  plan.source = readEndpoint(reader, document, "source");
  plan.target = readEndpoint(reader, document, "target");
  forEachElement(reader, document, "vaults",
                 [&](const Json& item, const std::string& pointer) { plan.vaults.push_back(readVault(reader, item, pointer)); });
  forEachElement(reader, document, "nodes",
                 [&](const Json& item, const std::string& pointer) { plan.nodes.push_back(readNode(reader, item, pointer)); });
  forEachElement(reader, document, "edges",
                 [&](const Json& item, const std::string& pointer) { plan.edges.push_back(readEdge(reader, item, pointer)); });
  forEachElement(reader, document, "steps",
                 [&](const Json& item, const std::string& pointer) { plan.steps.push_back(readStep(reader, item, pointer)); });
  plan.waveCount = reader.count(document, "waveCount", "");
  plan.manualSteps = reader.strings(document, "manualSteps", "");

  const std::pair<const char*, Severity> diagnosticLists[] = {
      {"blockers", Severity::Error}, {"warnings", Severity::Warning}, {"notes", Severity::Info}};
  for (const auto& [name, severity] : diagnosticLists) {
    forEachElement(reader, document, name, [&, severity = severity](const Json& item, const std::string& pointer) {
      plan.diagnostics.add(readDiagnostic(reader, item, pointer, severity));
    });
  }

  plan.estimate = readEstimate(reader, document);
  plan.rulesRun = reader.strings(document, "rulesRun", "");
  plan.inputs = reader.strings(document, "inputs", "");
  plan.options = reader.member(document, "options", "");
  return plan;
}

std::string renderPlanText(const Plan& plan, bool explain) {
  return writeText(planSections(plan, explain, ReportFormat::Text));
}

std::string renderPlanMarkdown(const Plan& plan, bool explain) {
  return writeMarkdown(planSections(plan, explain, ReportFormat::Markdown));
}

std::string renderMapJson(const Plan& plan) { return dumpSorted(mapDocument(buildMapModel(plan))); }

std::string humanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "unknown";
  if (seconds < 1) return "under 1 s";
  if (seconds < 90) return "about " + std::to_string(std::lround(seconds)) + " s";
  long minutes = std::lround(seconds / 60);
  if (minutes < 90) return "about " + std::to_string(minutes) + " min";
  return "about " + std::to_string(minutes / 60) + " h " + std::to_string(minutes % 60) + " min";
}

}  // namespace kvr::viz
