#pragma once

// Reports of a plan: the versioned JSON document that `apply` reads back, a terminal
// view, a Markdown view for change tickets, and the map as JSON. Every function here is
// deterministic: the same plan gives byte-identical text.

#include <string>

#include "discovery/json.h"
#include "strategies/plan.h"

namespace kvr::viz {

inline constexpr const char* kMapKind = "kvrelocate.map";
inline constexpr const char* kMapVersion = "1.0";

// Writes the plan document ("kind": "kvrelocate.plan"): keys sorted at every level,
// 2-space indent, trailing newline. Diagnostics go to "blockers" (errors), "warnings"
// and "notes" (infos).
std::string renderPlanJson(const Plan& plan);

// Reads a document written by renderPlanJson. Throws InputError naming `file` and the
// JSON pointer of the first invalid member, and for a kind other than kvrelocate.plan or
// a major version other than that of kPlanVersion.
Plan readPlanJson(const Json& document, const std::string& file);

// Writes the plan for a terminal: header, step table, waves, manual steps, diagnostics,
// the reused and dropped resources, the out-of-scope resources and the estimate. `explain` adds, per node, the rule and reason
// behind its strategy and the edges that place it, and the feasibility rules that ran.
std::string renderPlanText(const Plan& plan, bool explain);

// Writes the same content as renderPlanText as Markdown headings and tables.
std::string renderPlanMarkdown(const Plan& plan, bool explain);

// Writes buildMapModel(plan) as {"kind": "kvrelocate.map", "version", "title", "nodes",
// "edges", "clusters"} with sorted keys, 2-space indent and a trailing newline.
std::string renderMapJson(const Plan& plan);

// Returns a duration for people: "about 40 s", "about 7 min", "about 2 h 5 min".
std::string humanDuration(double seconds);

}  // namespace kvr::viz
