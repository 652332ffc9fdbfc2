#include "discovery/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace kvr {

std::string SourceLocation::str() const {
  std::string out = file;
  if (!pointer.empty() || !file.empty()) {
    out += "#" + pointer;
  }
  if (column >= 0) {
    out += " at character " + std::to_string(column + 1);
  }
  return out;
}

const char* severityName(Severity severity) {
  switch (severity) {
    case Severity::Info:
      return "info";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      return "error";
  }
  return "error";
}

void Diagnostics::add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }

void Diagnostics::info(std::string code, std::string message, std::string resourceId, SourceLocation location) {
  add({Severity::Info, std::move(code), std::move(message), std::move(resourceId), std::move(location)});
}

void Diagnostics::warning(std::string code, std::string message, std::string resourceId, SourceLocation location) {
  add({Severity::Warning, std::move(code), std::move(message), std::move(resourceId), std::move(location)});
}

void Diagnostics::error(std::string code, std::string message, std::string resourceId, SourceLocation location) {
  add({Severity::Error, std::move(code), std::move(message), std::move(resourceId), std::move(location)});
}

bool Diagnostics::hasErrors() const {
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

bool Diagnostics::has(const std::string& code) const { return count(code) > 0; }

std::size_t Diagnostics::count(const std::string& code) const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [&](const Diagnostic& d) { return d.code == code; }));
}

namespace {
auto sortKey(const Diagnostic& d) {
  // Errors first: Severity::Error has the highest enumerator value.
  return std::make_tuple(-static_cast<int>(d.severity), std::cref(d.code), std::cref(d.resourceId),
                         std::cref(d.location.file), std::cref(d.location.pointer), d.location.column,
                         std::cref(d.message));
}
}  // namespace

void Diagnostics::normalize() {
  std::stable_sort(items_.begin(), items_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return sortKey(a) < sortKey(b); });
  items_.erase(std::unique(items_.begin(), items_.end(),
                           [](const Diagnostic& a, const Diagnostic& b) { return sortKey(a) == sortKey(b); }),
               items_.end());
}

InputError::InputError(SourceLocation location, std::string message)
    : location_(std::move(location)), message_(std::move(message)) {
  text_ = location_.str();
  if (!text_.empty()) text_ += ": ";
  text_ += message_;
}

}  // namespace kvr
