#pragma once

#include <string>
#include <vector>

namespace kvr {

// Where a value came from: a file and a JSON pointer (RFC 6901) into it, or a URL.
struct SourceLocation {
  std::string file;
  std::string pointer;
  // Character offset inside the string at `pointer`, for expression errors; -1 when unused.
  int column = -1;

  std::string str() const;
};

enum class Severity { Info, Warning, Error };

// One finding about the input or the plan. `code` is stable (for example
// E-DEPENDENCY-CYCLE); `message` is one lowercase-free sentence for a person.
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string code;
  std::string message;
  std::string resourceId;  // empty when the finding is about a file location only
  SourceLocation location;
};

const char* severityName(Severity severity);

// Collects every finding so that all problems in an input are reported, not only the first.
class Diagnostics {
 public:
  void add(Diagnostic diagnostic);
  void info(std::string code, std::string message, std::string resourceId = {}, SourceLocation location = {});
  void warning(std::string code, std::string message, std::string resourceId = {}, SourceLocation location = {});
  void error(std::string code, std::string message, std::string resourceId = {}, SourceLocation location = {});

  const std::vector<Diagnostic>& all() const { return items_; }
  bool hasErrors() const;
  bool has(const std::string& code) const;
  std::size_t count(const std::string& code) const;

  // Sorts by severity (errors first), then code, resource id, file and pointer, and drops
  // exact duplicates, so that reports are byte-identical from run to run.
  void normalize();

 private:
  std::vector<Diagnostic> items_;
};

// Thrown for input that cannot be read at all (a missing file, malformed JSON). Carries
// the location so the command line can print "file#/pointer: message".
class InputError : public std::exception {
 public:
  InputError(SourceLocation location, std::string message);
  const char* what() const noexcept override { return text_.c_str(); }
  const SourceLocation& location() const { return location_; }
  const std::string& message() const { return message_; }

 private:
  SourceLocation location_;
  std::string message_;
  std::string text_;
};

}  // namespace kvr
