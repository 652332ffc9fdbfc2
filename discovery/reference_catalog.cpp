#include "discovery/reference_catalog.h"

#include <array>

#include "discovery/diagnostics.h"

namespace kvr {

extern const char* const kReferenceCatalogJson;  // generated from reference_catalog.json

namespace {

// DNS suffixes of the Key Vault data plane in each Azure cloud.
constexpr std::array<std::string_view, 4> kVaultDnsSuffixes = {
    ".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net", ".vault.microsoftazure.de"};

ReferenceTarget parseTarget(const std::string& text, const SourceLocation& where) {
  if (text == "resourceId") return ReferenceTarget::ResourceId;
  if (text == "vaultUri") return ReferenceTarget::VaultUri;
  if (text == "objectUri") return ReferenceTarget::ObjectUri;
  if (text == "keyVaultReference") return ReferenceTarget::KeyVaultReference;
  if (text == "principalId") return ReferenceTarget::PrincipalId;
  throw InputError(where, "unknown reference target '" + text + "'");
}

EdgeKind parseKind(const std::string& text, const SourceLocation& where) {
  for (int i = 0; i <= static_cast<int>(EdgeKind::Reference); ++i) {
    auto kind = static_cast<EdgeKind>(i);
    if (text == edgeKindName(kind)) return kind;
  }
  throw InputError(where, "unknown edge kind '" + text + "'");
}

// Splits "a.b[*].c.*" into steps: "a", "b", "[*]", "c", "*".
std::vector<std::string> pathSteps(const std::string& path) {
  std::vector<std::string> steps;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) steps.push_back(current);
    current.clear();
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '.') {
      flush();
    } else if (path.compare(i, 3, "[*]") == 0) {
      flush();
      steps.push_back("[*]");
      i += 2;
    } else {
      current += path[i];
    }
  }
  flush();
  return steps;
}

const Json* findMember(const Json& object, const std::string& name) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (iequals(it.key(), name)) return &it.value();
  }
  return nullptr;
}

void walk(const Json& node, const std::vector<std::string>& steps, std::size_t at, const std::string& path,
          const Json* parent, const CatalogEntry& entry, std::vector<CatalogMatch>& out) {
  if (at == steps.size()) {
    if (!node.is_string()) return;
    CatalogMatch match{&entry, path, node.get<std::string>(), {}};
    if (!entry.keyNameSibling.empty() && parent && parent->is_object()) {
      if (const Json* sibling = findMember(*parent, entry.keyNameSibling); sibling && sibling->is_string()) {
        match.keyName = sibling->get<std::string>();
      }
    }
    out.push_back(std::move(match));
    return;
  }
  const std::string& step = steps[at];
  if (step == "[*]") {
    if (!node.is_array()) return;
    for (std::size_t i = 0; i < node.size(); ++i) {
      walk(node[i], steps, at + 1, path + "[" + std::to_string(i) + "]", &node, entry, out);
    }
  } else if (step == "*" || step == "@keys") {
    if (!node.is_object()) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string childPath = path + "." + it.key();
      if (step == "@keys") {
        out.push_back({&entry, childPath, it.key(), {}});
      } else {
        walk(it.value(), steps, at + 1, childPath, &node, entry, out);
      }
    }
  } else if (node.is_object()) {
    if (const Json* child = findMember(node, step)) {
      walk(*child, steps, at + 1, path.empty() ? step : path + "." + step, &node, entry, out);
    }
  }
}

}  // namespace

const ReferenceCatalog& ReferenceCatalog::builtin() {
  static const ReferenceCatalog catalog =
      fromJson(parseJsonText(kReferenceCatalogJson, "reference_catalog.json"), "reference_catalog.json");
  return catalog;
}

ReferenceCatalog ReferenceCatalog::fromJson(const Json& document, const std::string& file) {
  ReferenceCatalog catalog;
  const Json& entries = document.at("entries");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Json& item = entries[i];
    SourceLocation where{file, pointerAppend("/entries", i), -1};
    if (!item.is_object() || !item.contains("type") || !item.contains("path") || !item.contains("target") ||
        !item.contains("kind")) {
      throw InputError(where, "a catalog entry needs type, path, target and kind");
    }
    CatalogEntry entry;
    entry.type = item["type"].get<std::string>();
    entry.path = item["path"].get<std::string>();
    entry.target = parseTarget(item["target"].get<std::string>(), where);
    entry.kind = parseKind(item["kind"].get<std::string>(), where);
    entry.backReference = item.value("backReference", false);
    entry.keyNameSibling = item.value("keyNameSibling", std::string());
    catalog.entries_.push_back(std::move(entry));
  }
  return catalog;
}

std::vector<CatalogMatch> ReferenceCatalog::scan(const Resource& resource) const {
  std::vector<CatalogMatch> out;
  for (const auto& entry : entries_) {
    if (entry.type != "*" && !iequals(entry.type, resource.type)) continue;
    walk(resource.body, pathSteps(entry.path), 0, "", nullptr, entry, out);
  }
  return out;
}

std::optional<std::string> vaultNameFromUri(std::string_view text) {
  constexpr std::string_view scheme = "https://";
  if (!istartsWith(text, scheme)) return std::nullopt;
  std::string_view rest = text.substr(scheme.size());
  std::string_view host = rest.substr(0, rest.find('/'));
  if (auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  for (auto suffix : kVaultDnsSuffixes) {
    if (host.size() > suffix.size() && iequals(host.substr(host.size() - suffix.size()), suffix)) {
      return toLower(host.substr(0, host.size() - suffix.size()));
    }
  }
  return std::nullopt;
}

std::optional<ObjectUri> parseObjectUri(std::string_view text) {
  auto vault = vaultNameFromUri(text);
  if (!vault) return std::nullopt;
  std::string_view rest = text.substr(std::string_view("https://").size());
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ObjectUri uri;
  uri.vaultName = *vault;
  uri.host = toLower(rest.substr(0, slash));
  std::vector<std::string> parts;
  std::size_t start = slash + 1;
  while (start < rest.size()) {
    std::size_t next = rest.find('/', start);
    if (next == std::string_view::npos) next = rest.size();
    if (next > start) parts.emplace_back(rest.substr(start, next - start));
    start = next + 1;
  }
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  uri.collection = toLower(parts[0]);
  if (uri.collection != "secrets" && uri.collection != "keys" && uri.collection != "certificates") {
    return std::nullopt;
  }
  uri.name = parts[1];
  if (parts.size() == 3) uri.version = parts[2];
  return uri;
}

std::optional<KeyVaultReference> parseKeyVaultReference(std::string_view text) {
  constexpr std::string_view prefix = "@Microsoft.KeyVault(";
  if (!istartsWith(text, prefix) || text.back() != ')') return std::nullopt;
  std::string_view inner = text.substr(prefix.size(), text.size() - prefix.size() - 1);
  KeyVaultReference reference;
  std::size_t start = 0;
  while (start <= inner.size()) {
    std::size_t end = inner.find(';', start);
    if (end == std::string_view::npos) end = inner.size();
    std::string_view pair = inner.substr(start, end - start);
    std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos) {
      std::string key = toLower(pair.substr(0, equals));
      std::string value(pair.substr(equals + 1));
      if (key == "secreturi") reference.secretUri = value;
      if (key == "vaultname") reference.vaultName = toLower(value);
      if (key == "secretname") reference.secretName = value;
      if (key == "secretversion") reference.secretVersion = value;
    }
    start = end + 1;
  }
  if (!reference.secretUri.empty()) {
    auto uri = parseObjectUri(reference.secretUri);
    if (!uri || uri->collection != "secrets") return std::nullopt;
    reference.vaultName = uri->vaultName;
    reference.secretName = uri->name;
    reference.secretVersion = uri->version;
  }
  if (reference.vaultName.empty() || reference.secretName.empty()) return std::nullopt;
  return reference;
}

}  // namespace kvr
