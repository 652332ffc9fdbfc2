// Reads arbitrary bytes as an input file the way `kvrelocate plan` does: JSON parsing,
// template or inventory reading, linking and planning. Every problem in the input must
// come back as a diagnostic or an InputError; a crash, sanitizer report, hang or other
// exception is a bug.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "discovery/diagnostics.h"
#include "discovery/estate.h"
#include "discovery/inventory_reader.h"
#include "discovery/json.h"
#include "discovery/template_reader.h"
#include "strategies/planner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kvr::Json document;
  try {
    document = kvr::parseJsonText(text, "fuzz.json");
  } catch (const kvr::InputError&) {
    return 0;
  }

  kvr::Estate estate;
  switch (kvr::classifyDocument(document)) {
    case kvr::DocumentKind::Template: {
      kvr::TemplateInput input{"fuzz.json", document, std::nullopt, {}, kvr::inferDeploymentContext(document)};
      if (input.context.subscriptionId.empty()) input.context.subscriptionId = "00000000-0000-0000-0000-000000000000";
      if (input.context.resourceGroup.empty()) input.context.resourceGroup = "rg-fuzz";
      kvr::readTemplate(input, estate);
      break;
    }
    case kvr::DocumentKind::Parameters:
      kvr::readParametersFile("fuzz.json", document, estate);
      break;
    case kvr::DocumentKind::Inventory:
      kvr::readInventory("fuzz.json", document, estate);
      break;
    case kvr::DocumentKind::Unknown:
      return 0;
  }
  kvr::linkEstate(estate);

  kvr::PlanOptions options;
  options.targetRegion = "northeurope";
  try {
    kvr::makePlan(estate, options);
  } catch (const kvr::InputError&) {
    // Only option files raise InputError here; none are given, so this is unexpected.
    __builtin_trap();
  }
  return 0;
}
