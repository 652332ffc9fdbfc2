// kvrelocate: plans the relocation of Azure Key Vaults to another region and draws the
// dependency map. CLI11 is used only in this file because it is slow to compile.
// Exit codes are listed in cli/exit_codes.h and in the --help footer.

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/apply.h"
#include "cli/commands.h"
#include "cli/discover.h"
#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "discovery/diagnostics.h"
#include "viz/labels.h"

namespace {

// Help within 100 columns: a description that does not fit wraps under its own column.
class WrappingFormatter : public CLI::Formatter {
 public:
  std::string make_option_desc(const CLI::Option* option) const override {
    return wrap(CLI::Formatter::make_option_desc(option));
  }
  std::string make_subcommand(const CLI::App* command) const override {
    std::stringstream out;
    CLI::detail::format_help(out, command->get_display_name(true), wrap(command->get_description()), get_column_width());
    return out.str();
  }

 private:
  static constexpr std::size_t kHelpWidth = 100;

  std::string wrap(const std::string& text) const {
    std::size_t width = kHelpWidth > get_column_width() + 30 ? kHelpWidth - get_column_width() : 30;
    std::string wrapped;
    std::stringstream paragraphs(text);
    std::string paragraph;
    while (std::getline(paragraphs, paragraph)) {
      for (const std::string& line : kvr::viz::wrapText(paragraph, width)) wrapped += (wrapped.empty() ? "" : "\n") + line;
    }
    return wrapped;
  }
};

using kvr::cli::InputArguments;
using kvr::cli::MapArguments;
using kvr::cli::PlanArguments;

constexpr const char* kExitCodeFooter =
    "Exit codes:\n"
    "  0  success: the output was written and the plan has no blockers\n"
    "  1  plan: the plan was written but has blockers (each is printed as an error line);\n"
    "     apply: steps failed; verify: the target differs from the source\n"
    "  2  usage error: an invalid option or argument, or an output file that cannot be written\n"
    "  3  invalid input: an input file cannot be read or parsed, or holds errors such as\n"
    "     E-INPUT-*, E-TEMPLATE-*, E-INVENTORY-* or E-EXPRESSION-*; the output is still\n"
    "     written when a plan could be made\n"
    "  4  internal error: a bug in kvrelocate\n"
    "  5  apply stopped for an operator action; do what it says, then run the printed resume command\n"
    "  6  discover, apply or verify could not reach Azure or sign in, or Azure rejected a request\n"
    "\n"
    "Diagnostics go to standard error, one line each:\n"
    "  kvrelocate: error: FILE#/json/pointer: [CODE] message (resource id)\n";

// The exit codes each command can return, for its own --help; the full table is in the
// top-level --help only.
constexpr const char* kPlanExitCodes =
    "Exit codes: 0 written without blockers, 1 written with blockers, 2 usage error, 3 invalid input,\n"
    "4 internal error (details: kvrelocate --help)\n";
constexpr const char* kMapExitCodes =
    "Exit codes: 0 written, 2 usage error, 3 invalid input, 4 internal error (details: kvrelocate --help)\n";
constexpr const char* kDiscoverExitCodes =
    "Exit codes: 0 written, 2 usage error, 3 invalid input, 4 internal error, 6 Azure unreachable or\n"
    "rejected a request (details: kvrelocate --help)\n";
constexpr const char* kApplyExitCodes =
    "Exit codes: 0 every step done, 1 steps failed, 2 usage error, 3 the plan or journal does not fit,\n"
    "4 internal error, 5 stopped for an operator action, 6 Azure unreachable or rejected a request\n"
    "(details: kvrelocate --help)\n";
constexpr const char* kVerifyExitCodes =
    "Exit codes: 0 every check passed, 1 differences found, 2 usage error, 3 invalid plan or journal,\n"
    "4 internal error, 6 Azure unreachable or rejected a request (details: kvrelocate --help)\n";

struct GlobalArguments {
  int verbosity = 0;
  std::string logFormat = "text";
};

CLI::Validator secretVersionsValidator() {
  return CLI::Validator(
      [](std::string& value) { return kvr::cli::validateSecretVersions(value); }, "all|latest|last:N", "SECRET_VERSIONS");
}

// Adds the options that name the input files and the source they describe.
void addSourceOptions(CLI::App& command, InputArguments& input) {
  command.add_option("files", input.files,
                     "ARM templates, parameters files and inventories that together describe the estate")
      ->required()
      ->type_name("FILE");
  command.add_option("--parameters", input.parametersFile, "deploymentParameters file for the templates' parameters")
      ->type_name("FILE");
  command.add_option("--subscription", input.subscriptionId,
                     "source subscription id, overriding the one the templates imply")
      ->type_name("ID");
  command.add_option("--resource-group", input.resourceGroup,
                     "source resource group, overriding the one the templates imply")
      ->type_name("NAME");
  command.add_option("--source-region", input.sourceRegion,
                     "source Azure region, used as resourceGroup().location in the templates")
      ->type_name("REGION");
}

// Adds the options that describe where the vaults go.
void addTargetOptions(CLI::App& command, InputArguments& input, bool targetRegionRequired) {
  std::string targetHelp = targetRegionRequired
                               ? "Azure region to relocate to, for example northeurope; default: the region the "
                                 "inputs' relocation request names"
                               : "Azure region to relocate to, which only colours the map by strategy; default: the "
                                 "inputs' request, else the source region";
  command.add_option("--target-region", input.targetRegion, targetHelp)->type_name("REGION");
  command.add_option("--target-subscription", input.targetSubscriptionId,
                     "target subscription id; default: the source subscription")
      ->type_name("ID");
  command.add_option("--target-resource-group", input.targetResourceGroup,
                     "target resource group; default: the source group with its region part replaced")
      ->type_name("NAME");
  command.add_option("--target-vault-name", input.targetVaultName,
                     "name of the new vault when one vault is relocated; default: derived from the source name")
      ->type_name("NAME");
}

// Adds the options that select vaults and tune the strategies.
void addPlannerOptions(CLI::App& command, InputArguments& input) {
  command.add_option("--vault", input.vaults, "name of a vault to relocate; repeat for several; default: every vault the inputs define")
      ->type_name("NAME")
      ->allow_extra_args(false);
  command.add_option("--geographies", input.geographiesFile,
                     "JSON file {\"regions\": {\"<region>\": \"<geography>\"}} that adds to or replaces the built-in table")
      ->type_name("FILE");
  command.add_option("--name-map", input.nameMapFile,
                     "JSON file {\"<source vault name or id>\": \"<target vault name>\"}")
      ->type_name("FILE");
  command.add_option("--subnet-map", input.subnetMapFile,
                     "JSON file mapping source subnet ids to existing target subnet ids, as "
                     "{\"<source subnet id>\": \"<target subnet id>\"}; the vault's network rules then name the "
                     "mapped subnets");
  command.add_option("--secret-versions", input.secretVersions,
                     "secret versions to copy: all (oldest first), latest, or last:N for the N newest")
      ->check(secretVersionsValidator())
      ->default_str("all");
  command.add_flag("--secrets-by-backup", input.secretsByBackup,
                   "copy secrets by backup and restore where Azure allows it (same subscription and geography)");
  command.add_flag("--no-subnet-modification", input.noSubnetModification,
                   "never let the tool add the Microsoft.KeyVault service endpoint to target subnets");
  command.add_flag("--no-source-access", input.noSourceAccess,
                   "the source vault's data plane cannot be read during apply, so plan from the inputs alone");
}

void addInputOptions(CLI::App& command, InputArguments& input, bool targetRegionRequired) {
  addSourceOptions(command, input);
  addTargetOptions(command, input, targetRegionRequired);
  addPlannerOptions(command, input);
}

void addPlanCommand(CLI::App& app, PlanArguments& plan, bool& selected) {
  CLI::App* command = app.add_subcommand("plan", "Plan the relocation (dry run): strategies, steps, waves, blockers, estimate");
  addInputOptions(*command, plan.input, /*targetRegionRequired=*/true);
  command->add_option("--format", plan.format, "output format: text, markdown or json (the plan document apply reads)")
      ->check(CLI::IsMember({"text", "markdown", "json"}))
      ->default_str("text");
  command->add_flag("--explain", plan.explain,
                    "for text and markdown: say why each node got its strategy and its place, and which rules ran");
  command->add_option("-o,--output", plan.outputFile, "write the plan to FILE instead of standard output (- is standard output)")
      ->type_name("FILE");
  command->add_option("--emit-template", plan.emitTemplateDirectory,
                      "write the target ARM template.json and parameters.json into DIR (one subfolder per source "
                      "template when there are several)")
      ->type_name("DIR");
  command->footer(kPlanExitCodes);
  command->callback([&selected] { selected = true; });
}

void addMapCommand(CLI::App& app, MapArguments& map, bool& selected) {
  CLI::App* command = app.add_subcommand("map", "Draw the dependency map of the vaults, coloured by relocation strategy");
  addInputOptions(*command, map.input, /*targetRegionRequired=*/false);
  command->add_option("--format", map.format, "output format: dot, svg or json")
      ->check(CLI::IsMember({"dot", "svg", "json"}))
      ->default_str("dot");
  command->add_option("-o,--output", map.outputFile, "write the map to FILE instead of standard output (- is standard output)")
      ->type_name("FILE");
  command->footer(kMapExitCodes);
  command->callback([&selected] { selected = true; });
}

CLI::Validator authMethodValidator() {
  return CLI::Validator(
      [](std::string& value) {
        return kvr::azure::parseAuthMethod(value)
                   ? std::string()
                   : "invalid --auth '" + value +
                         "': use auto, client-secret, workload-identity, managed-identity, azure-cli or access-token";
      },
      "METHOD", "AUTH_METHOD");
}

// Adds the options that select the Azure cloud and the sign-in method.
void addConnectionOptions(CLI::App& command, kvr::azure::ConnectionOptions& connection, std::string& auth) {
  command.add_option("--cloud", connection.cloudName, "Azure cloud: AzureCloud, AzureUSGovernment or AzureChinaCloud")
      ->default_str("AzureCloud");
  command.add_option("--cloud-file", connection.cloudFile,
                     "JSON file with the cloud's endpoints (kvsim writes one); overrides --cloud")
      ->type_name("FILE");
  command.add_option("--ca-file", connection.caFile, "PEM file of a CA to trust besides the system's")
      ->type_name("FILE");
  command.add_option("--auth", auth,
                     "how to sign in: auto, client-secret, workload-identity, managed-identity, azure-cli or "
                     "access-token (tokens come from the environment, never from the command line)")
      ->check(authMethodValidator())
      ->default_str("auto");
  command.add_option("--tenant", connection.tenantId, "tenant id, overriding AZURE_TENANT_ID")->type_name("ID");
  command.add_option("--client-id", connection.clientId, "client id, overriding AZURE_CLIENT_ID")->type_name("ID");
}

void addDiscoverCommand(CLI::App& app, kvr::cli::DiscoverArguments& discover, std::string& auth, bool& selected) {
  CLI::App* command = app.add_subcommand(
      "discover", "Read a vault and everything tied to it from Azure and write the inventory that plan and map read");
  command->add_option("--vault", discover.vaultId, "Resource Manager id of the vault to start from")
      ->required()
      ->type_name("VAULT_RESOURCE_ID");
  command->add_option("--scope", discover.scopes,
                      "subscription id that Resource Graph searches for consumers; repeat for several; default: the "
                      "vault's subscription")
      ->type_name("SUBSCRIPTION")
      ->allow_extra_args(false);
  command->add_option("-o,--output", discover.outputFile,
                      "write the inventory to FILE instead of standard output (- is standard output)")
      ->type_name("FILE");
  addConnectionOptions(*command, discover.connection, auth);
  command->footer(kDiscoverExitCodes);
  command->callback([&selected] { selected = true; });
}

void addApplyCommand(CLI::App& app, kvr::cli::ApplyArguments& apply, std::string& auth, bool& selected) {
  CLI::App* command = app.add_subcommand(
      "apply", "Execute a plan against Azure in dependency order, resumably, recording each step in a journal");
  command->add_option("plan", apply.planFile, "the JSON plan that 'kvrelocate plan --format json' wrote")
      ->required()
      ->type_name("PLAN");
  command->add_option("--journal", apply.journalFile,
                      "SQLite journal of the run (created when missing); holds ids and hashes, never values")
      ->required()
      ->type_name("FILE");
  command->add_flag("--resume", apply.resume, "continue the run that the journal records");
  command->add_option("--parallelism", apply.parallelism,
                      "steps that run at once; default: derived from Azure's throttling budgets")
      ->check(CLI::Range(1, 64))
      ->type_name("N");
  command->add_option_function<std::vector<std::string>>(
             "--map",
             [&apply](const std::vector<std::string>& values) {
               for (const auto& value : values) kvr::cli::addMapping(apply.mappings, value);
             },
             "OLD=NEW: the new id of a resource relocated by its own procedure; repeat for several")
      ->type_name("OLD=NEW");
  command->add_flag("--allow-temporary-enable-in-source", apply.allowTemporaryEnableInSource,
                    "enable a disabled source secret version for the moment it is read, and disable it again");
  command->add_option("--progress-format", apply.logFormat, "progress lines on standard output: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  addConnectionOptions(*command, apply.connection, auth);
  command->footer(kApplyExitCodes);
  command->callback([&selected] { selected = true; });
}

void addVerifyCommand(CLI::App& app, kvr::cli::VerifyArguments& verify, std::string& auth, bool& selected) {
  CLI::App* command = app.add_subcommand(
      "verify", "Compare the target with the source after apply and print a table; exit 1 on any difference");
  command->add_option("plan", verify.planFile, "the JSON plan that apply ran")->required()->type_name("PLAN");
  command->add_option("--journal", verify.journalFile, "the journal that apply wrote")->required()->type_name("FILE");
  command->add_option("-o,--output", verify.outputFile, "write the table to FILE instead of standard output")
      ->type_name("FILE");
  addConnectionOptions(*command, verify.connection, auth);
  command->footer(kVerifyExitCodes);
  command->callback([&selected] { selected = true; });
}

int run(int argc, char** argv) {
  CLI::App app{"kvrelocate: relocate an Azure Key Vault and the resources that depend on it to another region", "kvrelocate"};
  // Set first: commands take the formatter of the app when they are added.
  app.formatter(std::make_shared<WrappingFormatter>());
  app.set_version_flag("--version", std::string("kvrelocate ") + KVR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  // Until the options are parsed, logs use the defaults: warnings and errors, as text.
  kvr::cli::configureLogging(0, "text");
  GlobalArguments global;
  app.add_flag("-v,--verbose", global.verbosity, "print info diagnostics and progress logs; repeat (-vv) for debug logs");
  app.add_option("--log-format", global.logFormat, "format of log lines on standard error: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");

  PlanArguments plan;
  MapArguments map;
  bool planSelected = false;
  bool mapSelected = false;
  addPlanCommand(app, plan, planSelected);
  addMapCommand(app, map, mapSelected);
  kvr::cli::DiscoverArguments discover;
  std::string auth = "auto";
  bool discoverSelected = false;
  addDiscoverCommand(app, discover, auth, discoverSelected);
  kvr::cli::ApplyArguments apply;
  bool applySelected = false;
  addApplyCommand(app, apply, auth, applySelected);
  kvr::cli::VerifyArguments verify;
  bool verifySelected = false;
  addVerifyCommand(app, verify, auth, verifySelected);
  // Set after the commands exist, because CLI11 copies a footer into the commands added later.
  app.footer(kExitCodeFooter);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw kvr::cli::UsageError(std::string(e.what()) + " (run 'kvrelocate --help' for usage)");
  }

  kvr::cli::configureLogging(global.verbosity, global.logFormat);
  kvr::cli::ConsoleSettings console{global.verbosity > 0};
  if (planSelected) return kvr::cli::runPlan(plan, console);
  if (mapSelected) return kvr::cli::runMap(map, console);
  if (discoverSelected) {
    discover.connection.auth = *kvr::azure::parseAuthMethod(auth);
    return kvr::cli::runDiscover(discover);
  }
  if (applySelected) {
    apply.connection.auth = *kvr::azure::parseAuthMethod(auth);
    return kvr::cli::runApply(apply);
  }
  if (verifySelected) {
    verify.connection.auth = *kvr::azure::parseAuthMethod(auth);
    return kvr::cli::runVerify(verify);
  }
  throw kvr::cli::UsageError("no command given: use 'kvrelocate discover', 'plan', 'map', 'apply' or 'verify'");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kvr::cli;
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "kvrelocate: error: " << e.what() << '\n';
    return kExitUsage;
  } catch (const kvr::azure::TransportError& e) {
    std::cerr << "kvrelocate: error: " << e.what()
              << "; check that the endpoint is reachable (for kvsim: that it runs and --cloud-file is its current cloud.json)\n";
    return kExitService;
  } catch (const kvr::azure::CredentialError& e) {
    std::cerr << "kvrelocate: error: " << e.what() << '\n';
    return kExitService;
  } catch (const kvr::azure::ApiError& e) {
    std::cerr << "kvrelocate: error: " << e.what() << '\n';
    return kExitService;
  } catch (const kvr::InputError& e) {
    std::cerr << "kvrelocate: error: " << e.what() << '\n';
    return kExitInvalidInput;
  } catch (const std::exception& e) {
    std::cerr << "kvrelocate: internal error: " << e.what() << "; this is a bug, please report it with the command line\n";
    return kExitInternal;
  } catch (...) {
    std::cerr << "kvrelocate: internal error: unknown exception; this is a bug, please report it with the command line\n";
    return kExitInternal;
  }
}
