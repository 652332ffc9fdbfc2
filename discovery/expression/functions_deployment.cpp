// Functions that read the deployment: parameters(), variables(), copyIndex(), the scope
// objects, and reference(), list*(), utcNow() and newGuid(), whose values exist only
// once the deployment runs.

#include <optional>
#include <string>

#include "discovery/expression/function_support.h"

namespace kvr::expr {
namespace {

Value parametersFunction(Call& call) {
  const std::string& name = call.string(0);
  auto value = call.scope().parameter(name);
  if (!value) {
    call.failArgument(0, "parameter '" + name + "' is not defined in the template");
  }
  return std::move(*value);
}

Value variablesFunction(Call& call) {
  const std::string& name = call.string(0);
  auto value = call.scope().variable(name);
  if (!value) {
    call.failArgument(0, "variable '" + name + "' is not defined in the template");
  }
  return std::move(*value);
}

// copyIndex(), copyIndex(offset), copyIndex('loop') or copyIndex('loop', offset).
Value copyIndexFunction(Call& call) {
  std::optional<std::string> loopName;
  long long offset = 0;
  if (call.count() == 2) {
    loopName = call.string(0);
    offset = call.integer(1);
  } else if (call.count() == 1 && call.json(0).is_string()) {
    loopName = call.string(0);
  } else if (call.count() == 1) {
    offset = call.integer(0);
  }
  const auto index = call.scope().copyIndex(loopName);
  if (!index) {
    call.fail(loopName ? "copy loop '" + *loopName + "' is not defined around this expression"
                       : std::string("copyIndex() is used outside a copy loop"));
  }
  long long result = 0;
  if (__builtin_add_overflow(*index, offset, &result)) {
    call.fail("the index plus the offset is outside the 64-bit integer range");
  }
  return Value::of(result);
}

Value resourceGroupFunction(Call& call) { return Value::of(call.scope().resourceGroup()); }
Value subscriptionFunction(Call& call) { return Value::of(call.scope().subscription()); }
Value tenantFunction(Call& call) { return Value::of(call.scope().tenant()); }
Value deploymentFunction(Call& call) { return Value::of(call.scope().deployment()); }
Value environmentFunction(Call& call) { return Value::of(call.scope().environment()); }

Value unknownUntilDeployment(Call& call) {
  for (std::size_t index = 0; index < call.count(); ++index) {
    (void)call.argument(index);
  }
  return call.symbolic();
}

}  // namespace

Value evaluateResourceFunction(Call& call) {
  const Value& target = call.argument(0);
  for (std::size_t index = 1; index < call.count(); ++index) {
    (void)call.argument(index);
  }
  if (target.symbolic) {
    call.warn(call.name() + "() names a resource that is known only at deployment, " +
              target.json.get<std::string>() + ", so the dependency is not recorded");
  } else if (!target.json.is_string()) {
    call.failType(0, "a resource name or id string");
  } else {
    call.scope().onResourceReference(target.json.get<std::string>(), call.name());
  }
  return call.symbolic();
}

void addDeploymentFunctions(FunctionTable& table) {
  table["parameters"] = {1, 1, parametersFunction};
  table["variables"] = {1, 1, variablesFunction};
  table["copyindex"] = {0, 2, copyIndexFunction};
  table["resourcegroup"] = {0, 0, resourceGroupFunction};
  table["subscription"] = {0, 0, subscriptionFunction};
  table["tenant"] = {0, 0, tenantFunction};
  table["deployment"] = {0, 0, deploymentFunction};
  table["environment"] = {0, 0, environmentFunction};
  table["reference"] = {1, 3, evaluateResourceFunction, false};
  table["utcnow"] = {0, 1, unknownUntilDeployment, false};
  table["newguid"] = {0, 0, unknownUntilDeployment, false};
}

}  // namespace kvr::expr
