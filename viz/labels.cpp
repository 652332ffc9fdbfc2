#include "viz/labels.h"

#include <algorithm>
#include <sstream>
#include <string_view>

#include "discovery/resource_id.h"
#include "viz/map_builder.h"

namespace kvr::viz {

namespace {

// Added grant steps have keys "<vault key>#grant/<grantee key>" and names
// "<vault>/grant-<grantee>".
constexpr std::string_view kGrantMarker = "#grant/";
constexpr std::string_view kGrantNamePrefix = "grant-";

// Splits `word` into pieces of at most `width` columns, after a '/', '-', '_' or '.' where
// one falls in the piece, else at the width.
std::vector<std::string> breakWord(const std::string& word, std::size_t width) {
  std::vector<std::string> pieces;
  std::string rest = word;
  while (displayWidth(rest) > width) {
    std::size_t cut = 0;
    std::size_t columns = 0;
    std::size_t lastBreak = 0;
    for (std::size_t i = 0; i < rest.size(); ++i) {
      bool startsCharacter = (static_cast<unsigned char>(rest[i]) & 0xC0) != 0x80;
      if (startsCharacter && columns == width) break;
      if (startsCharacter) ++columns;
      cut = i + 1;
      if (std::string_view("/-_.").find(rest[i]) != std::string_view::npos) lastBreak = cut;
    }
    if (lastBreak > 0) cut = lastBreak;
    pieces.push_back(rest.substr(0, cut));
    rest = rest.substr(cut);
  }
  pieces.push_back(rest);
  return pieces;
}

std::string granteeName(const PlanNode& node) {
  std::string leaf = leafName(node.name);
  if (leaf.rfind(kGrantNamePrefix, 0) == 0) return leaf.substr(kGrantNamePrefix.size());
  std::string grantee = node.key.substr(node.key.find(kGrantMarker) + kGrantMarker.size());
  return leafName(grantee);
}

}  // namespace

std::size_t displayWidth(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::vector<std::string> wrapText(const std::string& text, std::size_t width) {
  width = std::max<std::size_t>(width, 1);
  std::vector<std::string> lines(1);
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    for (const std::string& piece : breakWord(word, width)) {
      std::string& line = lines.back();
      if (line.empty()) {
        line = piece;
      } else if (displayWidth(line) + 1 + displayWidth(piece) <= width) {
        line += " " + piece;
      } else {
        lines.push_back(piece);
      }
    }
  }
  return lines;
}

std::string readableResource(const std::string& id, const std::string& contextGroup) {
  std::optional<ResourceId> parsed = parseResourceId(id);
  if (!parsed) return id;
  std::string detail = shortTypeName(parsed->type);
  if (!parsed->scope.empty()) {
    if (auto scope = parseResourceId(parsed->scope)) detail += " on " + leafName(scope->name);
  }
  if (!parsed->resourceGroup.empty() && !iequals(parsed->resourceGroup, contextGroup)) {
    detail += " in " + parsed->resourceGroup;
  }
  return parsed->name + " (" + detail + ")";
}

std::string resourcePath(const std::string& id) {
  std::optional<ResourceId> parsed = parseResourceId(id);
  if (!parsed) return id;
  std::string path;
  std::string type = shortTypeName(parsed->type);
  std::string name = parsed->name;
  // Interleave the type segments with the name segments: virtualNetworks/vnet/subnets/snet.
  std::size_t typeAt = 0;
  std::size_t nameAt = 0;
  while (typeAt <= type.size() && nameAt <= name.size()) {
    std::size_t typeEnd = std::min(type.find('/', typeAt), type.size());
    std::size_t nameEnd = std::min(name.find('/', nameAt), name.size());
    if (!path.empty()) path += '/';
    path += type.substr(typeAt, typeEnd - typeAt) + '/' + name.substr(nameAt, nameEnd - nameAt);
    typeAt = typeEnd + 1;
    nameAt = nameEnd + 1;
  }
  if (!parsed->scope.empty()) path = resourcePath(parsed->scope) + "/" + path;
  return path;
}

std::string stepLabel(const PlanNode& node, const std::string& contextGroup) {
  if (node.key.find(kGrantMarker) != std::string::npos) {
    std::string vault = node.targetName.empty() ? node.name.substr(0, node.name.find('/')) : node.targetName;
    return "access for " + granteeName(node) + " on " + vault;
  }
  if (!node.id.empty()) return readableResource(node.id, contextGroup);
  return node.name + " (" + shortTypeName(node.type) + ")";
}

}  // namespace kvr::viz
