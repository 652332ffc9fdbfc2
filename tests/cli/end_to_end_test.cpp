#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

const std::string kTemplate = std::string(KVR_CASES_DIR) + "/templates/qs-key-vault-create-accesspolicy-secret.json";

struct RunResult {
  int exitCode = -1;
  std::string standardOutput;
  std::string standardError;
};

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs the built kvrelocate with `arguments`, capturing its output through files so a
// large output cannot fill a pipe and block the child.
RunResult runCli(const std::vector<std::string>& arguments) {
  static int runCount = 0;
  std::string prefix = ::testing::TempDir() + "kvr_cli_run_" + std::to_string(::getpid()) + "_" + std::to_string(++runCount);
  std::string outputPath = prefix + ".out";
  std::string errorPath = prefix + ".err";

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outputPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errorPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

  std::vector<std::string> command = {KVR_CLI_PATH};
  command.insert(command.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : command) argv.push_back(argument.data());
  argv.push_back(nullptr);

  RunResult result;
  pid_t child = 0;
  int spawnError = posix_spawn(&child, KVR_CLI_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawnError != 0) {
    ADD_FAILURE() << "cannot start " << KVR_CLI_PATH << ": error " << spawnError;
    return result;
  }
  int status = 0;
  waitpid(child, &status, 0);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.standardOutput = readWholeFile(outputPath);
  result.standardError = readWholeFile(errorPath);
  ::unlink(outputPath.c_str());
  ::unlink(errorPath.c_str());
  return result;
}

TEST(CommandLine, PlanSucceedsOnQuickstartTemplate) {
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope"});
  EXPECT_EQ(run.exitCode, 0) << run.standardError;
  EXPECT_NE(run.standardOutput.find("Steps"), std::string::npos) << run.standardOutput;
}

TEST(CommandLine, PlanOutputIsByteIdentical) {
  for (const std::string format : {"text", "markdown", "json"}) {
    RunResult first = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", format, "--explain"});
    RunResult second = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", format, "--explain"});
    EXPECT_EQ(first.exitCode, 0) << format << ": " << first.standardError;
    EXPECT_FALSE(first.standardOutput.empty()) << format;
    EXPECT_EQ(first.standardOutput, second.standardOutput) << format;
  }
}

TEST(CommandLine, PlanJsonIsAPlanDocument) {
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", "json"});
  ASSERT_EQ(run.exitCode, 0) << run.standardError;
  EXPECT_NE(run.standardOutput.find("\"kind\": \"kvrelocate.plan\""), std::string::npos);
}

TEST(CommandLine, MapOutputIsByteIdentical) {
  for (const std::string format : {"dot", "json", "svg"}) {
    RunResult first = runCli({"map", kTemplate, "--format", format});
    RunResult second = runCli({"map", kTemplate, "--format", format});
    EXPECT_EQ(first.exitCode, 0) << format << ": " << first.standardError;
    EXPECT_FALSE(first.standardOutput.empty()) << format;
    EXPECT_EQ(first.standardOutput, second.standardOutput) << format;
  }
}

TEST(CommandLine, MapNeedsNoTargetRegion) {
  RunResult run = runCli({"map", kTemplate, "--format", "json"});
  EXPECT_EQ(run.exitCode, 0) << run.standardError;
  EXPECT_EQ(run.standardError.find("error:"), std::string::npos) << run.standardError;
}

TEST(CommandLine, OutputFileMatchesStandardOutput) {
  std::string path = ::testing::TempDir() + "kvr_cli_plan_" + std::to_string(::getpid()) + ".json";
  RunResult toFile = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", "json", "-o", path});
  RunResult toStandardOutput = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", "json"});
  EXPECT_EQ(toFile.exitCode, 0) << toFile.standardError;
  EXPECT_TRUE(toFile.standardOutput.empty());
  EXPECT_EQ(readWholeFile(path), toStandardOutput.standardOutput);
  ::unlink(path.c_str());
}

TEST(CommandLine, UnknownOptionIsUsageError) {
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "--no-such-option"});
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.standardError.find("kvrelocate: error:"), std::string::npos) << run.standardError;
  EXPECT_TRUE(run.standardOutput.empty());
}

TEST(CommandLine, InvalidFormatIsUsageError) {
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", "pdf"});
  EXPECT_EQ(run.exitCode, 2) << run.standardError;
}

TEST(CommandLine, InvalidSecretVersionsIsUsageError) {
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "--secret-versions", "last:0"});
  EXPECT_EQ(run.exitCode, 2) << run.standardError;
  EXPECT_NE(run.standardError.find("last:0"), std::string::npos) << run.standardError;
}

TEST(CommandLine, MissingTargetRegionIsUsageError) {
  RunResult run = runCli({"plan", kTemplate});
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.standardError.find("--target-region"), std::string::npos) << run.standardError;
}

TEST(CommandLine, EmitTemplateWritesTemplateAndParameters) {
  std::string directory = ::testing::TempDir() + "kvr-cli-emit-" + std::to_string(::getpid());
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "--target-resource-group", "rg-target",
                          "--emit-template", directory});
  EXPECT_NE(run.exitCode, 2) << run.standardError;
  EXPECT_NE(readWholeFile(directory + "/template.json").find("\"Microsoft.KeyVault/vaults\""), std::string::npos);
  EXPECT_NE(readWholeFile(directory + "/parameters.json").find("deploymentParameters"), std::string::npos);
  std::filesystem::remove_all(directory);
}

TEST(CommandLine, MissingFileIsInvalidInput) {
  std::string missing = ::testing::TempDir() + "kvr-no-such-template.json";
  RunResult run = runCli({"plan", missing, "--target-region", "northeurope"});
  EXPECT_EQ(run.exitCode, 3);
  EXPECT_NE(run.standardError.find(missing), std::string::npos) << run.standardError;
  EXPECT_NE(run.standardError.find("[E-INPUT-INVALID]"), std::string::npos) << run.standardError;
}

TEST(CommandLine, UnreadableOutputFolderIsUsageError) {
  std::string path = ::testing::TempDir() + "kvr-no-such-folder/plan.txt";
  RunResult run = runCli({"plan", kTemplate, "--target-region", "northeurope", "-o", path});
  EXPECT_EQ(run.exitCode, 2);
  EXPECT_NE(run.standardError.find(path), std::string::npos) << run.standardError;
}

TEST(CommandLine, VersionPrintsProjectVersion) {
  RunResult run = runCli({"--version"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_EQ(run.standardOutput.rfind("kvrelocate ", 0), 0u) << run.standardOutput;
}

TEST(CommandLine, HelpListsExitCodes) {
  RunResult run = runCli({"--help"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.standardOutput.find("Exit codes:"), std::string::npos) << run.standardOutput;
}

TEST(CommandLine, TargetRegionConflictWarnsNamingBothValues) {
  // The example inventory's relocation request names northeurope.
  std::string inventory = std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json";
  RunResult run = runCli({"plan", inventory, "--target-region", "swedencentral", "--format", "json"});
  std::string expected = "kvrelocate: warning: " + inventory +
                         "#/relocation/targetLocation: [W-TARGET-REGION-OVERRIDDEN] --target-region swedencentral "
                         "overrides the target region northeurope that the input names; the plan relocates to "
                         "swedencentral, so check which region is meant\n";
  EXPECT_NE(run.standardError.find(expected), std::string::npos) << run.standardError;
  EXPECT_NE(run.standardOutput.find("\"W-TARGET-REGION-OVERRIDDEN\""), std::string::npos) << "the plan records it";
  EXPECT_NE(run.standardOutput.find("\"location\": \"swedencentral\""), std::string::npos);
}

TEST(CommandLine, TargetRegionMatchingInputGivesNoWarning) {
  std::string inventory = std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json";
  RunResult run = runCli({"plan", inventory, "--target-region", "North Europe", "--format", "json"});
  EXPECT_EQ(run.standardError.find("W-TARGET-REGION-OVERRIDDEN"), std::string::npos) << run.standardError;
}

TEST(CommandLine, CommandHelpOmitsExitCodeTable) {
  for (const std::string command : {"plan", "map", "discover", "apply", "verify"}) {
    RunResult run = runCli({command, "--help"});
    EXPECT_EQ(run.exitCode, 0) << command;
    EXPECT_EQ(run.standardOutput.find("Diagnostics go to standard error"), std::string::npos) << command;
    EXPECT_EQ(run.standardOutput.find("usage error: an invalid option"), std::string::npos) << command;
    EXPECT_NE(run.standardOutput.find("Exit codes: 0 "), std::string::npos) << command << ": " << run.standardOutput;
  }
}

TEST(CommandLine, HelpFitsInOneHundredColumns) {
  for (const std::string command : {"", "plan", "map", "discover", "apply", "verify"}) {
    RunResult run = command.empty() ? runCli({"--help"}) : runCli({command, "--help"});
    ASSERT_EQ(run.exitCode, 0) << command;
    std::istringstream lines(run.standardOutput);
    std::string line;
    std::size_t count = 0;
    while (std::getline(lines, line)) {
      ++count;
      EXPECT_LE(line.size(), 100u) << (command.empty() ? "kvrelocate" : command) << ": " << line;
    }
    EXPECT_GT(count, 5u) << command;
  }
}

TEST(CommandLine, ApplyHelpListsItsOwnExitCodes) {
  RunResult run = runCli({"apply", "--help"});
  EXPECT_NE(run.standardOutput.find("5 stopped for an operator action"), std::string::npos) << run.standardOutput;
  RunResult plan = runCli({"plan", "--help"});
  EXPECT_EQ(plan.standardOutput.find("operator action"), std::string::npos) << plan.standardOutput;
}

TEST(CommandLine, MissingPlanFileIsOneLineError) {
  std::string path = ::testing::TempDir() + "kvr-no-such-plan.json";
  for (const std::string command : {"apply", "verify"}) {
    RunResult run = runCli({command, path, "--journal", ::testing::TempDir() + "kvr-no-such-journal.sqlite"});
    EXPECT_EQ(run.exitCode, 3) << command << ": " << run.standardError;
    EXPECT_EQ(run.standardError,
              "kvrelocate: error: " + path + ": cannot open the plan file: No such file or directory\n")
        << command;
  }
}

TEST(CommandLine, UnreachableSignInExitsSix) {
  std::string directory = ::testing::TempDir() + "kvr-sign-in-" + std::to_string(::getpid()) + "/";
  std::filesystem::create_directories(directory);
  ASSERT_EQ(runCli({"plan", kTemplate, "--target-region", "northeurope", "--format", "json", "-o", directory + "plan.json"}).exitCode, 0);
  // Nothing listens on port 1 of the loopback address.
  std::ofstream(directory + "cloud.json") << R"({"name": "closed", "authority": "https://127.0.0.1:1",
    "resourceManager": "https://127.0.0.1:1", "resourceManagerAudience": "https://management.azure.com",
    "keyVaultAudience": "https://vault.azure.net", "keyVaultDnsSuffix": "vault.localhost"})";
  std::ofstream(directory + "journal.sqlite").flush();
  ::setenv("AZURE_TENANT_ID", "0b9f5c2e-7d41-4a83-9e6b-3c8d1f4a2e70", 1);
  ::setenv("AZURE_CLIENT_ID", "kvrelocate-test", 1);
  ::setenv("AZURE_CLIENT_SECRET", "test-only-not-a-secret", 1);
  for (const std::string command : {"apply", "verify"}) {
    std::vector<std::string> arguments = {command, directory + "plan.json", "--journal", directory + "journal.sqlite",
                                          "--cloud-file", directory + "cloud.json", "--auth", "client-secret"};
    if (command == "verify") arguments.insert(arguments.end(), {"-o", directory + "verify.txt"});
    RunResult run = runCli(arguments);
    EXPECT_EQ(run.exitCode, 6) << command << ": " << run.standardError;
    EXPECT_EQ(std::count(run.standardError.begin(), run.standardError.end(), '\n'), 1) << command << ": " << run.standardError;
    EXPECT_NE(run.standardError.find("token request failed"), std::string::npos) << command << ": " << run.standardError;
    EXPECT_EQ(run.standardError.find("test-only-not-a-secret"), std::string::npos) << command;
  }
  EXPECT_FALSE(std::filesystem::exists(directory + "verify.txt")) << "nothing was checked";
  ::unsetenv("AZURE_CLIENT_SECRET");
  std::filesystem::remove_all(directory);
}

TEST(CommandLine, InvalidJsonGivesOnlyItsOwnError) {
  std::string path = ::testing::TempDir() + "kvr-not-json-" + std::to_string(::getpid()) + ".json";
  std::ofstream(path, std::ios::binary) << "this is not JSON\n";
  for (const std::string command : {"plan", "map"}) {
    RunResult run = runCli({command, path, "--target-region", "northeurope"});
    EXPECT_EQ(run.exitCode, 3) << command << ": " << run.standardError;
    EXPECT_NE(run.standardError.find(path), std::string::npos) << command << ": " << run.standardError;
    EXPECT_NE(run.standardError.find("[E-INPUT-INVALID]"), std::string::npos) << command << ": " << run.standardError;
    EXPECT_EQ(run.standardError.find("E-NO-VAULT"), std::string::npos) << command << ": " << run.standardError;
  }
  ::unlink(path.c_str());
}

TEST(CommandLine, ExamplePlanListsEveryResourceWithoutStep) {
  std::string inventory = std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json";
  for (const std::string format : {"text", "markdown"}) {
    RunResult run = runCli({"plan", inventory, "--target-region", "northeurope", "--format", format});
    EXPECT_EQ(run.exitCode, 0) << run.standardError;
    std::size_t section = run.standardOutput.find("Kept or dropped\n");
    ASSERT_NE(section, std::string::npos) << run.standardOutput;
    std::size_t end = run.standardOutput.find("Out of scope\n", section);
    ASSERT_NE(end, std::string::npos) << run.standardOutput;
    std::string keptSection = run.standardOutput.substr(section, end - section);
    EXPECT_NE(keptSection.find("privatelink.vaultcore.azure.net (privateDnsZones in rg-payments-net-weu)"), std::string::npos)
        << format << ":\n" << keptSection;
    EXPECT_NE(keptSection.find("id-payments-web (userAssignedIdentities)"), std::string::npos) << format << ":\n" << keptSection;
    EXPECT_NE(keptSection.find("kv-payments-weu/payments-tls (vaults/secrets)"), std::string::npos) << format << ":\n" << keptSection;
  }
}

TEST(CommandLine, ExampleLongestChainNamesGrantAsSteps) {
  std::string inventory = std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json";
  RunResult run = runCli({"plan", inventory, "--target-region", "northeurope", "--format", "markdown"});
  std::size_t chain = run.standardOutput.find("- **Longest chain:** ");
  ASSERT_NE(chain, std::string::npos) << run.standardOutput;
  std::string line = run.standardOutput.substr(chain, run.standardOutput.find('\n', chain) - chain);
  EXPECT_NE(line.find(" -> access for des-payments-weu on kv-payments-neu -> "), std::string::npos) << line;
  EXPECT_EQ(line.find("grant-"), std::string::npos) << line;
}

TEST(CommandLine, DiagnosticsPrintedOnce) {
  RunResult run = runCli({"plan", kTemplate, kTemplate + ".missing", "--target-region", "northeurope", "-v"});
  std::string needle = "[E-INPUT-INVALID]";
  auto first = run.standardError.find(needle);
  ASSERT_NE(first, std::string::npos) << run.standardError;
  EXPECT_EQ(run.standardError.find(needle, first + 1), std::string::npos) << run.standardError;
}

}  // namespace
