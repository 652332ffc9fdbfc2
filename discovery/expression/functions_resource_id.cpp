// resourceId() and its scope-specific forms. Each takes optional scope arguments, one
// resource type such as 'Microsoft.Network/virtualNetworks/subnets', and one name per type
// segment after the provider namespace. The type is the first argument containing '/'.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "discovery/expression/function_support.h"

namespace kvr::expr {
namespace {

struct ResourceType {
  std::string providerNamespace;
  std::vector<std::string> typeSegments;
};

std::vector<std::string> splitSegments(const std::string& type) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  for (;;) {
    const auto slash = type.find('/', start);
    segments.push_back(type.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) {
      return segments;
    }
    start = slash + 1;
  }
}

ResourceType parseResourceType(Call& call, std::size_t index) {
  std::string type = call.string(index);
  if (!type.empty() && type.front() == '/') {
    call.failArgument(index, "the resource type '" + type + "' must not start with '/'");
  }
  // ARM accepts one trailing slash: quickstart templates that Azure deploys in its own
  // test runs write 'Microsoft.Network/virtualNetworks/subnets/'.
  if (type.size() > 1 && type.back() == '/' && type[type.size() - 2] != '/') type.pop_back();
  std::vector<std::string> segments = splitSegments(type);
  const bool hasEmptySegment =
      std::any_of(segments.begin(), segments.end(), [](const std::string& segment) { return segment.empty(); });
  if (segments.size() < 2 || hasEmptySegment) {
    call.failArgument(index, "the resource type '" + call.string(index) +
                                 "' is invalid; expected '{provider namespace}/{type}[/{child type}...]'");
  }
  ResourceType parsed;
  parsed.providerNamespace = segments.front();
  parsed.typeSegments.assign(segments.begin() + 1, segments.end());
  return parsed;
}

// Builds "providers/{namespace}/{type}/{name}[/{child type}/{child name}...]" from the type
// at `typeIndex` and the names after it, checking them as ARM does.
std::string providerPath(Call& call, std::size_t typeIndex) {
  const ResourceType type = parseResourceType(call, typeIndex);
  const std::size_t required = type.typeSegments.size();
  const std::string requirement = "the type '" + call.string(typeIndex) + "' requires '" + std::to_string(required) +
                                  "' resource name argument(s)";
  for (std::size_t index = typeIndex + 1; index < call.count(); ++index) {
    const std::string& name = call.string(index);
    if (name.find('/') != std::string::npos) {
      call.failArgument(index, "the resource name '" + name + "' contains '/'; " + requirement +
                                   ", one per segment");
    }
    if (name.empty()) {
      call.failArgument(index, "resource name argument " + std::to_string(index - typeIndex) + " is empty");
    }
  }
  const std::size_t given = call.count() - typeIndex - 1;
  if (given != required) {
    call.fail(requirement + ", but was given " + std::to_string(given));
  }
  std::string path = "providers/" + type.providerNamespace;
  for (std::size_t segment = 0; segment < required; ++segment) {
    path += "/" + type.typeSegments[segment] + "/" + call.string(typeIndex + 1 + segment);
  }
  return path;
}

// Returns the index of the resource type: the first argument that contains '/'.
std::size_t typeArgument(Call& call, std::size_t maximumScopeArguments) {
  for (std::size_t index = 0; index < call.count(); ++index) {
    if (call.string(index).find('/') == std::string::npos) {
      continue;
    }
    if (index > maximumScopeArguments) {
      call.fail("expects at most " + std::to_string(maximumScopeArguments) +
                " scope argument(s) before the resource type, but '" + call.string(index) + "' is argument " +
                std::to_string(index + 1));
    }
    return index;
  }
  call.fail("no argument is a resource type; expected a type such as 'Microsoft.KeyVault/vaults'");
}

std::optional<std::string> contextString(const Json& context, const char* member) {
  if (!context.is_object()) {
    return std::nullopt;
  }
  const Json* value = findMember(context, member);
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<std::string> currentSubscription(Call& call) {
  return contextString(call.scope().subscription(), "subscriptionId");
}

Value unknownScope(Call& call, const std::string& what) {
  call.warn(call.name() + "() needs the deployment's " + what +
            ", which the scope does not provide; the id is treated as unknown until deployment");
  return call.symbolic();
}

// resourceId([subscriptionId], [resourceGroupName], resourceType, names...). Without a
// resource group, as at subscription scope, the id is a subscription-level id.
Value resourceIdFunction(Call& call) {
  const std::size_t typeIndex = typeArgument(call, 2);
  const std::string path = providerPath(call, typeIndex);
  std::optional<std::string> subscription = typeIndex == 2 ? std::optional(call.string(0)) : currentSubscription(call);
  std::optional<std::string> group = typeIndex >= 1 ? std::optional(call.string(typeIndex - 1))
                                                    : contextString(call.scope().resourceGroup(), "name");
  if (!subscription) {
    return unknownScope(call, "subscription id");
  }
  if (!group) {
    return Value::of("/subscriptions/" + *subscription + "/" + path);
  }
  return Value::of("/subscriptions/" + *subscription + "/resourceGroups/" + *group + "/" + path);
}

Value subscriptionResourceIdFunction(Call& call) {
  const std::size_t typeIndex = typeArgument(call, 1);
  const std::string path = providerPath(call, typeIndex);
  const std::optional<std::string> subscription =
      typeIndex == 1 ? std::optional(call.string(0)) : currentSubscription(call);
  if (!subscription) {
    return unknownScope(call, "subscription id");
  }
  return Value::of("/subscriptions/" + *subscription + "/" + path);
}

Value tenantResourceIdFunction(Call& call) {
  const std::size_t typeIndex = typeArgument(call, 0);
  return Value::of("/" + providerPath(call, typeIndex));
}

Value managementGroupResourceIdFunction(Call& call) {
  const std::size_t typeIndex = typeArgument(call, 1);
  const std::string path = providerPath(call, typeIndex);
  if (typeIndex == 0) {
    return unknownScope(call, "management group");
  }
  return Value::of("/providers/Microsoft.Management/managementGroups/" + call.string(0) + "/" + path);
}

// extensionResourceId(resourceId, resourceType, names...): the base is a full resource id.
Value extensionResourceIdFunction(Call& call) {
  std::string base = call.string(0);
  if (base.empty() || base.front() != '/') {
    call.failArgument(0, "the base resource id '" + base + "' must start with '/'");
  }
  while (base.size() > 1 && base.back() == '/') {
    base.pop_back();
  }
  if (call.string(1).find('/') == std::string::npos) {
    call.failArgument(1, "the resource type '" + call.string(1) +
                             "' is invalid; expected '{provider namespace}/{type}[/{child type}...]'");
  }
  return Value::of(base + "/" + providerPath(call, 1));
}

}  // namespace

void addResourceIdFunctions(FunctionTable& table) {
  table["resourceid"] = {2, kUnlimited, resourceIdFunction};
  table["subscriptionresourceid"] = {2, kUnlimited, subscriptionResourceIdFunction};
  table["tenantresourceid"] = {2, kUnlimited, tenantResourceIdFunction};
  table["managementgroupresourceid"] = {2, kUnlimited, managementGroupResourceIdFunction};
  table["extensionresourceid"] = {3, kUnlimited, extensionResourceIdFunction};
}

}  // namespace kvr::expr
