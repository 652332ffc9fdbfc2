#pragma once

// The target-template rewriter: turns each source ARM template of the estate into a
// template and parameters file that create the relocated resources in the target region,
// edited as the plan decides. The source document is re-read and edited in place, so
// member order is kept and a diff against the source shows only the relocation's edits.

#include <stdexcept>
#include <string>
#include <vector>

#include "discovery/diagnostics.h"
#include "discovery/json.h"
#include "discovery/model.h"
#include "strategies/plan.h"
#include "strategies/template_check.h"

namespace kvr {

// One source template rewritten for the target.
struct TargetTemplate {
  std::string sourceFile;
  Json templateDocument;
  Json parametersDocument;     // a deploymentParameters document for templateDocument
  std::size_t firstStep = 0;   // the earliest plan step among its resources, for ordering
  TemplateExpectation expected;  // where it deploys and what it must create there
};

struct TemplateWriterOptions {
  std::string directory;       // created when missing
  std::string parametersFile;  // the deploymentParameters file the plan was made with, if any
};

struct WrittenTemplate {
  std::string sourceFile;
  std::string templateFile;
  std::string parametersFile;
  TemplateExpectation expected;
};

struct TemplateEmission {
  std::vector<WrittenTemplate> written;  // in deployment order
  Diagnostics diagnostics;               // notes for the plan report, and self-check errors
};

// Thrown when an output file or folder cannot be written.
class TemplateWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Builds the target templates without writing them: one per source template that defines
// at least one resource the target deployment creates, in deployment order. Templates
// that cannot be re-read are reported in `diagnostics` and skipped.
std::vector<TargetTemplate> buildTargetTemplates(const Estate& estate, const Plan& plan,
                                                 const std::string& parametersFile, Diagnostics& diagnostics);

// Builds, writes and verifies the target templates. One target template is written as
// DIR/template.json and DIR/parameters.json; several go to DIR/<source file stem>/.
// Throws TemplateWriteError when a file cannot be written.
TemplateEmission emitTargetTemplates(const Estate& estate, const Plan& plan, const TemplateWriterOptions& options);

// Writes `document` with 2-space indent and a trailing newline through a temporary file
// and a rename, so readers never see a partial file. Throws TemplateWriteError.
void writeJsonFileAtomically(const std::string& path, const Json& document);

}  // namespace kvr
