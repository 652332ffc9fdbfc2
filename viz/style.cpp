#include "viz/style.h"

#include <array>
#include <utility>

namespace kvr::viz {

namespace {

// Light fills keep black label text readable. Neighbouring entries differ in hue and in
// lightness, so most pairs stay apart under red-green colour blindness. With 13 classes
// some pairs still look alike, which is why every node tooltip and the legend carry the
// strategy name as text.
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> strategyFills = {{
    {"redeploy", "#77AADD"},
    {"redeploy-with-data", "#99DDFF"},
    {"copy-secret", "#44BB99"},
    {"backup-restore", "#BBCC33"},
    {"export-import-pfx", "#AAAA00"},
    {"reissue-certificate", "#EEDD88"},
    {"regenerate-key", "#EE8866"},
    {"reconfigure", "#FFAABB"},
    {"repoint", "#DDAA33"},
    {"reuse", "#CCDDAA"},
    {"external", "#FFFFFF"},
    {"drop", "#AAAAAA"},
    {"out-of-scope", "#DDDDDD"},
}};

// Edge colours group the kinds by family: black for structure, blue for network,
// vermillion for key, secret and certificate use, green for identity and access, purple
// and grey for the rest. Within a family the line style distinguishes the kinds.
constexpr std::array<std::pair<std::string_view, EdgeLook>, 17> edgeLooks = {{
    {"declared", {"solid", "#000000"}},
    {"parent-child", {"bold", "#000000"}},
    {"subnet-in-vnet", {"solid", "#0072B2"}},
    {"endpoint-in-subnet", {"solid", "#56B4E9"}},
    {"endpoint-to-vault", {"bold", "#0072B2"}},
    {"zone-group-to-zone", {"dashed", "#56B4E9"}},
    {"zone-link-to-vnet", {"dotted", "#0072B2"}},
    {"network-rule-subnet", {"dashed", "#0072B2"}},
    {"nsg-on-subnet", {"dotted", "#56B4E9"}},
    {"key-use", {"bold", "#D55E00"}},
    {"secret-reference", {"solid", "#D55E00"}},
    {"certificate-reference", {"dashed", "#D55E00"}},
    {"access-grant", {"solid", "#009E73"}},
    {"identity", {"bold", "#009E73"}},
    {"diagnostics-target", {"dotted", "#777777"}},
    {"scope", {"dashed", "#CC79A7"}},
    {"reference", {"dashed", "#777777"}},
}};

}  // namespace

std::optional<std::string_view> strategyFillColor(std::string_view strategy) {
  for (const auto& [name, color] : strategyFills) {
    if (name == strategy) {
      return color;
    }
  }
  return std::nullopt;
}

std::optional<EdgeLook> edgeLook(std::string_view kind) {
  for (const auto& [name, look] : edgeLooks) {
    if (name == kind) {
      return look;
    }
  }
  return std::nullopt;
}

}  // namespace kvr::viz
