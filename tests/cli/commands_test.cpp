#include <gtest/gtest.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace kvr::cli {
namespace {

TEST(InputErrorCode, RecognisesInputFamilies) {
  EXPECT_TRUE(isInputErrorCode("E-INPUT-INVALID"));
  EXPECT_TRUE(isInputErrorCode("E-TEMPLATE-INVALID"));
  EXPECT_TRUE(isInputErrorCode("E-INVENTORY-VERSION"));
  EXPECT_TRUE(isInputErrorCode("E-EXPRESSION-SYNTAX"));
  EXPECT_TRUE(isInputErrorCode("E-PARAMETERS-INVALID"));
  EXPECT_TRUE(isInputErrorCode("E-RESOURCE-INVALID"));
}

TEST(InputErrorCode, RejectsPlanFindings) {
  EXPECT_FALSE(isInputErrorCode("E-DEPENDENCY-CYCLE"));
  EXPECT_FALSE(isInputErrorCode("E-VAULT-NAME-TAKEN"));
  EXPECT_FALSE(isInputErrorCode("W-INPUT-SOMETHING"));
}

TEST(FormatDiagnostic, NamesFilePointerCodeAndResource) {
  Diagnostic diagnostic{Severity::Error, "E-TEMPLATE-INVALID", "the resource has no type", "/subscriptions/s/x",
                        {"main.json", "/resources/2", -1}};
  EXPECT_EQ(formatDiagnostic(diagnostic),
            "kvrelocate: error: main.json#/resources/2: [E-TEMPLATE-INVALID] the resource has no type (/subscriptions/s/x)");
}

TEST(FormatDiagnostic, OmitsEmptyLocationAndResource) {
  Diagnostic diagnostic{Severity::Warning, "W-X", "two\nlines", "", {}};
  EXPECT_EQ(formatDiagnostic(diagnostic), "kvrelocate: warning: [W-X] two lines");
}

TEST(ExitCode, InputErrorsWinOverBlockers) {
  Diagnostics diagnostics;
  diagnostics.error("E-VAULT-NAME-TAKEN", "taken");
  diagnostics.error("E-INPUT-INVALID", "cannot open file for reading");
  EXPECT_EQ(exitCodeFor(diagnostics, true), kExitInvalidInput);
}

TEST(ExitCode, BlockersFailOnlyWhenAsked) {
  Diagnostics diagnostics;
  diagnostics.error("E-VAULT-NAME-TAKEN", "taken");
  diagnostics.warning("W-X", "warning");
  EXPECT_EQ(exitCodeFor(diagnostics, true), kExitBlocked);
  EXPECT_EQ(exitCodeFor(diagnostics, false), kExitSuccess);
}

TEST(ExitCode, WarningsAloneSucceed) {
  Diagnostics diagnostics;
  diagnostics.warning("W-X", "warning");
  EXPECT_EQ(exitCodeFor(diagnostics, true), kExitSuccess);
}

TEST(SecretVersions, AcceptsDocumentedForms) {
  EXPECT_EQ(validateSecretVersions("all"), "");
  EXPECT_EQ(validateSecretVersions("latest"), "");
  EXPECT_EQ(validateSecretVersions("last:3"), "");
}

TEST(SecretVersions, RejectsOtherForms) {
  EXPECT_NE(validateSecretVersions("last:0"), "");
  EXPECT_NE(validateSecretVersions("last:"), "");
  EXPECT_NE(validateSecretVersions("last:2x"), "");
  EXPECT_NE(validateSecretVersions("newest"), "");
}

}  // namespace
}  // namespace kvr::cli
