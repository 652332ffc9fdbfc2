// Parses and evaluates arbitrary text as an ARM expression against a fixed scope. Any
// ParseError or EvalError is an expected outcome; a crash, sanitizer report or other
// exception is a bug.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "discovery/expression/expression.h"

namespace {

using kvr::Json;
using kvr::expr::Value;

class FuzzScope : public kvr::expr::Scope {
 public:
  std::optional<Value> parameter(const std::string& name) override {
    if (kvr::iequals(name, "vaultName")) {
      return Value::of("kv-prod");
    }
    if (kvr::iequals(name, "tags")) {
      return Value::of(Json{{"env", "prod"}, {"owners", {"a", "b"}}});
    }
    if (kvr::iequals(name, "seed")) {
      return Value::symbol("[newGuid()]");
    }
    return std::nullopt;
  }
  std::optional<Value> variable(const std::string& name) override {
    if (kvr::iequals(name, "count")) {
      return Value::of(3);
    }
    return std::nullopt;
  }
  std::optional<long long> copyIndex(const std::optional<std::string>& loopName) override {
    return loopName ? std::nullopt : std::optional<long long>(1);
  }
  Json resourceGroup() override { return Json{{"id", "/subscriptions/s/resourceGroups/rg"}, {"name", "rg"}}; }
  Json subscription() override { return Json{{"subscriptionId", "s"}, {"id", "/subscriptions/s"}}; }
  Json tenant() override { return Json{{"tenantId", "t"}}; }
  Json deployment() override { return Json{{"name", "d"}}; }
  Json environment() override { return Json{{"name", "AzureCloud"}}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzScope scope;
  try {
    const Value value = kvr::expr::evaluateString(text, scope);
    (void)value.json.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const kvr::expr::ParseError&) {
  } catch (const kvr::expr::EvalError&) {
  }
  // Also parse the text wrapped in brackets, so inputs without them still reach the parser.
  try {
    (void)kvr::expr::parse("[" + std::string(text) + "]");
  } catch (const kvr::expr::ParseError&) {
  }
  return 0;
}
