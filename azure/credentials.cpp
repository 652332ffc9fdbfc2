#include "azure/credentials.h"

#include "azure/cloud.h"
#include "azure/process.h"
#include "discovery/json.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <sstream>

namespace kvr::azure {

namespace {

constexpr const char* kManagedIdentityApiVersion = "2019-08-01";
constexpr const char* kImdsApiVersion = "2018-02-01";
constexpr const char* kJwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// An explicit token whose expiry cannot be read is assumed to last this long.
constexpr auto kAssumedTokenLifetime = std::chrono::minutes(60);

struct MethodName {
  AuthMethod method;
  const char* name;
};
constexpr MethodName kMethodNames[] = {
    {AuthMethod::Auto, "auto"},
    {AuthMethod::ClientSecret, "client-secret"},
    {AuthMethod::WorkloadIdentity, "workload-identity"},
    {AuthMethod::ManagedIdentity, "managed-identity"},
    {AuthMethod::AzureCli, "azure-cli"},
    {AuthMethod::AccessToken, "access-token"},
};

std::string audienceOf(const std::string& scope) {
  std::string audience = scope;
  if (audience.ends_with("/.default")) audience.resize(audience.size() - 9);
  while (!audience.empty() && audience.back() == '/') audience.pop_back();
  return audience;
}

std::string formEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    body += percentEncode(name) + "=" + percentEncode(value);
  }
  return body;
}

// A number of seconds that a token response gives as a JSON number or a string.
std::optional<long long> secondsMember(const Json& document, const char* key) {
  if (!document.contains(key)) return std::nullopt;
  const Json& value = document[key];
  if (value.is_number_integer()) return value.get<long long>();
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit)) return std::stoll(text);
  }
  return std::nullopt;
}

// Reads a token response of the identity platform or a managed-identity endpoint:
// access_token with expires_in (seconds from now) or expires_on (Unix seconds).
AccessToken parseTokenResponse(const std::string& source, const std::string& body, TimePoint now) {
  Json document = Json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("access_token") ||
      !document["access_token"].is_string()) {
    throw CredentialError(source + ": the token endpoint's answer has no access_token");
  }
  AccessToken token{document["access_token"].get<std::string>(), now + kAssumedTokenLifetime};
  if (auto expiresIn = secondsMember(document, "expires_in")) {
    token.expiresOn = now + std::chrono::seconds(*expiresIn);
  } else if (auto expiresOn = secondsMember(document, "expires_on")) {
    token.expiresOn = TimePoint(std::chrono::seconds(*expiresOn));
  }
  return token;
}

// "401 invalid_client: AADSTS7000215: ..." from an identity error body, or the status alone.
std::string describeFailure(const HttpResponse& response) {
  std::string text = std::to_string(response.status);
  Json document = Json::parse(response.body, nullptr, false);
  if (document.is_object()) {
    if (document.contains("error") && document["error"].is_string()) text += " " + document["error"].get<std::string>();
    if (document.contains("error_description") && document["error_description"].is_string()) {
      text += ": " + document["error_description"].get<std::string>();
    }
  }
  return text;
}

HttpResponse sendTokenRequest(const std::string& source, HttpTransport& transport, const HttpRequest& request) {
  HttpResponse response;
  try {
    response = transport.send(request);
  } catch (const TransportError& error) {
    throw CredentialError(source + ": the token request failed: " + error.what());
  }
  if (!response.ok()) {
    throw CredentialError(source + ": " + redactUrl(request.url) + " answered " + describeFailure(response));
  }
  return response;
}

// Decodes base64url without padding checks; returns "" for invalid input.
std::string decodeBase64Url(std::string_view text) {
  std::string out;
  int buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '-' || c == '+') value = 62;
    else if (c == '_' || c == '/') value = 63;
    else if (c == '=') break;
    else return "";
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// The `exp` claim of a JSON Web Token, when the token is one.
std::optional<TimePoint> jwtExpiry(const std::string& token) {
  auto first = token.find('.');
  auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  Json claims = Json::parse(decodeBase64Url(std::string_view(token).substr(first + 1, second - first - 1)), nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  auto expiry = secondsMember(claims, "exp");
  if (!expiry) return std::nullopt;
  return TimePoint(std::chrono::seconds(*expiry));
}

// The client-credentials grant of the identity platform, proved by a client secret or by
// a federated token (workload identity).
class ClientCredentialsCredential : public TokenCredential {
 public:
  using Proof = std::function<std::vector<std::pair<std::string, std::string>>()>;

  ClientCredentialsCredential(std::string source, std::string authority, std::string tenantId, std::string clientId,
                              Proof proof, HttpTransport& transport, Timer& timer)
      : source_(std::move(source)),
        tokenUrl_(authority + "/" + tenantId + "/oauth2/v2.0/token"),
        clientId_(std::move(clientId)),
        proof_(std::move(proof)),
        transport_(transport),
        timer_(timer) {}

  AccessToken getToken(const std::string& scope) override {
    std::vector<std::pair<std::string, std::string>> fields = {
        {"grant_type", "client_credentials"}, {"client_id", clientId_}, {"scope", scope}};
    for (auto& field : proof_()) fields.push_back(std::move(field));
    HttpRequest request{"POST", tokenUrl_, {{"Content-Type", "application/x-www-form-urlencoded"}}, formEncode(fields)};
    HttpResponse response = sendTokenRequest(source_, transport_, request);
    return parseTokenResponse(source_, response.body, timer_.now());
  }
  std::string describe() const override { return source_; }

 private:
  std::string source_;
  std::string tokenUrl_;
  std::string clientId_;
  Proof proof_;
  HttpTransport& transport_;
  Timer& timer_;
};

// A managed identity through App Service's endpoint (IDENTITY_ENDPOINT with
// X-IDENTITY-HEADER) or the instance metadata service (Metadata: true).
class ManagedIdentityCredential : public TokenCredential {
 public:
  enum class Kind { AppService, InstanceMetadata };

  ManagedIdentityCredential(Kind kind, std::string endpoint, std::string identityHeader, std::string clientId,
                            HttpTransport& transport, Timer& timer)
      : kind_(kind),
        endpoint_(std::move(endpoint)),
        identityHeader_(std::move(identityHeader)),
        clientId_(std::move(clientId)),
        transport_(transport),
        timer_(timer) {}

  AccessToken getToken(const std::string& scope) override {
    bool appService = kind_ == Kind::AppService;
    std::string url = withQuery(endpoint_, "api-version", appService ? kManagedIdentityApiVersion : kImdsApiVersion);
    url = withQuery(url, "resource", audienceOf(scope));
    if (!clientId_.empty()) url = withQuery(url, "client_id", clientId_);
    HttpRequest request{"GET", url, {}, {}};
    if (appService) request.setHeader("X-IDENTITY-HEADER", identityHeader_);
    else request.setHeader("Metadata", "true");
    HttpResponse response = sendTokenRequest(describe(), transport_, request);
    return parseTokenResponse(describe(), response.body, timer_.now());
  }
  std::string describe() const override {
    return kind_ == Kind::AppService ? "managed identity (App Service)" : "managed identity (instance metadata)";
  }

 private:
  Kind kind_;
  std::string endpoint_;
  std::string identityHeader_;
  std::string clientId_;
  HttpTransport& transport_;
  Timer& timer_;
};

// Tokens from `az account get-access-token`, run without a shell. The token comes back on
// the child's standard output and never appears on a command line.
class AzureCliCredential : public TokenCredential {
 public:
  AzureCliCredential(std::string program, std::string tenantId, Milliseconds timeout)
      : program_(std::move(program)), tenantId_(std::move(tenantId)), timeout_(timeout) {}

  AccessToken getToken(const std::string& scope) override {
    std::vector<std::string> arguments = {program_, "account", "get-access-token", "--resource", audienceOf(scope),
                                          "--output", "json"};
    if (!tenantId_.empty()) {
      arguments.push_back("--tenant");
      arguments.push_back(tenantId_);
    }
    ProcessResult result;
    try {
      result = runProcess(arguments, timeout_);
    } catch (const std::runtime_error& error) {
      throw CredentialError(describe() + ": " + error.what());
    }
    if (result.timedOut) {
      throw CredentialError(describe() + ": az account get-access-token did not finish within " +
                            std::to_string(timeout_.count()) + " ms");
    }
    if (result.exitCode != 0) {
      std::string detail = result.standardError.substr(0, result.standardError.find('\n'));
      throw CredentialError(describe() + ": az account get-access-token failed with exit code " +
                            std::to_string(result.exitCode) + (detail.empty() ? "" : ": " + detail) +
                            "; run az login first");
    }
    return parseCliOutput(result.standardOutput);
  }
  std::string describe() const override { return "Azure CLI"; }

 private:
  AccessToken parseCliOutput(const std::string& output) const {
    Json document = Json::parse(output, nullptr, false);
    if (!document.is_object() || !document.contains("accessToken") || !document["accessToken"].is_string()) {
      throw CredentialError(describe() + ": az account get-access-token printed no accessToken");
    }
    AccessToken token{document["accessToken"].get<std::string>(), Clock::now() + kAssumedTokenLifetime};
    if (auto expiresOn = secondsMember(document, "expires_on")) {
      token.expiresOn = TimePoint(std::chrono::seconds(*expiresOn));
    } else if (document.contains("expiresOn") && document["expiresOn"].is_string()) {
      // Older CLI versions print only local time, such as "2025-05-01 12:34:56.000000".
      std::tm parts{};
      if (strptime(document["expiresOn"].get<std::string>().c_str(), "%Y-%m-%d %H:%M:%S", &parts) != nullptr) {
        parts.tm_isdst = -1;
        token.expiresOn = Clock::from_time_t(std::mktime(&parts));
      }
    }
    return token;
  }

  std::string program_;
  std::string tenantId_;
  Milliseconds timeout_;
};

// Tokens handed over in KVRELOCATE_ACCESS_TOKEN (Resource Manager and Resource Graph) and
// KVRELOCATE_KEYVAULT_ACCESS_TOKEN (Key Vault).
class AccessTokenCredential : public TokenCredential {
 public:
  AccessTokenCredential(std::string resourceManagerToken, std::string keyVaultToken, std::string keyVaultAudience,
                        Timer& timer)
      : resourceManagerToken_(std::move(resourceManagerToken)),
        keyVaultToken_(std::move(keyVaultToken)),
        keyVaultAudience_(std::move(keyVaultAudience)),
        timer_(timer) {}

  AccessToken getToken(const std::string& scope) override {
    bool keyVault = iequals(audienceOf(scope), audienceOf(keyVaultAudience_));
    const std::string& token = keyVault ? keyVaultToken_ : resourceManagerToken_;
    const char* variable = keyVault ? kKeyVaultAccessTokenVariable : kAccessTokenVariable;
    if (token.empty()) throw CredentialError(describe() + ": " + variable + " is not set, so there is no token for " + scope);
    // NOTE: a token that is not a JWT is assumed valid for an hour; when it expires
    // earlier, requests fail with 401 and a new token must be passed.
    return AccessToken{token, jwtExpiry(token).value_or(timer_.now() + kAssumedTokenLifetime)};
  }
  std::string describe() const override { return "access token from the environment"; }

 private:
  std::string resourceManagerToken_;
  std::string keyVaultToken_;
  std::string keyVaultAudience_;
  Timer& timer_;
};

// Tries each source in order until one returns a token, then keeps using that one.
class ChainedCredential : public TokenCredential {
 public:
  explicit ChainedCredential(std::vector<std::unique_ptr<TokenCredential>> sources) : sources_(std::move(sources)) {}

  AccessToken getToken(const std::string& scope) override {
    TokenCredential* chosen = nullptr;
    {
      std::lock_guard lock(mutex_);
      chosen = chosen_;
    }
    if (chosen != nullptr) return chosen->getToken(scope);

    std::string failures;
    for (auto& source : sources_) {
      try {
        AccessToken token = source->getToken(scope);
        spdlog::info("authenticating with {}", source->describe());
        std::lock_guard lock(mutex_);
        chosen_ = source.get();
        return token;
      } catch (const CredentialError& error) {
        spdlog::debug("credential source failed: {}", error.what());
        failures += failures.empty() ? "" : "; ";
        failures += error.what();
      }
    }
    throw CredentialError("no credential source returned a token: " + failures);
  }
  std::string describe() const override {
    std::lock_guard lock(mutex_);
    return chosen_ != nullptr ? chosen_->describe() : "automatic credential chain";
  }

 private:
  std::vector<std::unique_ptr<TokenCredential>> sources_;
  mutable std::mutex mutex_;
  TokenCredential* chosen_ = nullptr;
};

std::string readFederatedToken(const std::string& path) {
  std::ifstream stream(path);
  if (!stream) throw CredentialError("workload identity: cannot read AZURE_FEDERATED_TOKEN_FILE " + path);
  std::string token((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) throw CredentialError("workload identity: AZURE_FEDERATED_TOKEN_FILE " + path + " is empty");
  return token;
}

// The settings each method needs, read once.
struct Settings {
  std::string tenantId;
  std::string clientId;
  std::string clientSecret;
  std::string federatedTokenFile;
  std::string identityEndpoint;
  std::string identityHeader;
  std::string imdsEndpoint;
  std::string resourceManagerToken;
  std::string keyVaultToken;
  std::string path;
};

Settings readSettings(const CredentialOptions& options, const Environment& environment) {
  Settings settings;
  settings.tenantId = !options.tenantId.empty() ? options.tenantId : environment("AZURE_TENANT_ID");
  settings.clientId = !options.clientId.empty() ? options.clientId : environment("AZURE_CLIENT_ID");
  settings.clientSecret = environment("AZURE_CLIENT_SECRET");
  settings.federatedTokenFile = environment("AZURE_FEDERATED_TOKEN_FILE");
  settings.identityEndpoint = environment("IDENTITY_ENDPOINT");
  settings.identityHeader = environment("IDENTITY_HEADER");
  settings.imdsEndpoint = environment(kImdsEndpointVariable);
  settings.resourceManagerToken = environment(kAccessTokenVariable);
  settings.keyVaultToken = environment(kKeyVaultAccessTokenVariable);
  settings.path = environment("PATH");
  return settings;
}

// Names the settings of `required` that are empty, such as "AZURE_CLIENT_SECRET".
std::string missingSettings(const std::vector<std::pair<const char*, const std::string*>>& required) {
  std::string missing;
  for (const auto& [name, value] : required) {
    if (!value->empty()) continue;
    missing += missing.empty() ? "" : ", ";
    missing += name;
  }
  return missing;
}

void requireSettings(AuthMethod method, const std::vector<std::pair<const char*, const std::string*>>& required) {
  std::string missing = missingSettings(required);
  if (!missing.empty()) {
    throw CredentialError(std::string("--auth ") + authMethodName(method) + " needs " + missing + " to be set");
  }
}

std::unique_ptr<TokenCredential> clientSecret(const CredentialOptions& options, const Settings& settings,
                                              HttpTransport& transport, Timer& timer) {
  std::string secret = settings.clientSecret;
  return std::make_unique<ClientCredentialsCredential>(
      "client secret", options.authority, settings.tenantId, settings.clientId,
      [secret] { return std::vector<std::pair<std::string, std::string>>{{"client_secret", secret}}; }, transport, timer);
}

std::unique_ptr<TokenCredential> workloadIdentity(const CredentialOptions& options, const Settings& settings,
                                                  HttpTransport& transport, Timer& timer) {
  std::string file = settings.federatedTokenFile;
  // The file is read for every request: Kubernetes replaces the projected token before it
  // expires.
  return std::make_unique<ClientCredentialsCredential>(
      "workload identity", options.authority, settings.tenantId, settings.clientId,
      [file] {
        return std::vector<std::pair<std::string, std::string>>{{"client_assertion_type", kJwtBearerAssertionType},
                                                                {"client_assertion", readFederatedToken(file)}};
      },
      transport, timer);
}

std::unique_ptr<TokenCredential> managedIdentity(const Settings& settings, HttpTransport& transport, Timer& timer) {
  if (!settings.identityEndpoint.empty() && !settings.identityHeader.empty()) {
    return std::make_unique<ManagedIdentityCredential>(ManagedIdentityCredential::Kind::AppService,
                                                       settings.identityEndpoint, settings.identityHeader,
                                                       settings.clientId, transport, timer);
  }
  std::string endpoint = settings.imdsEndpoint.empty() ? kDefaultImdsEndpoint : settings.imdsEndpoint;
  return std::make_unique<ManagedIdentityCredential>(ManagedIdentityCredential::Kind::InstanceMetadata, endpoint, "",
                                                     settings.clientId, transport, timer);
}

std::unique_ptr<TokenCredential> azureCli(const CredentialOptions& options, const Settings& settings) {
  std::string program = findProgram(options.azureCliProgram, settings.path);
  if (program.empty()) {
    throw CredentialError("Azure CLI: " + options.azureCliProgram + " was not found on PATH; install it or pick another --auth method");
  }
  return std::make_unique<AzureCliCredential>(program, settings.tenantId, options.azureCliTimeout);
}

std::unique_ptr<TokenCredential> accessToken(const CredentialOptions& options, const Settings& settings, Timer& timer) {
  return std::make_unique<AccessTokenCredential>(settings.resourceManagerToken, settings.keyVaultToken,
                                                 options.keyVaultAudience, timer);
}

// The sources that auto tries, in order, skipping those whose settings are absent.
std::unique_ptr<TokenCredential> automatic(const CredentialOptions& options, const Settings& settings,
                                           HttpTransport& transport, Timer& timer) {
  std::vector<std::unique_ptr<TokenCredential>> sources;
  if (!settings.resourceManagerToken.empty() || !settings.keyVaultToken.empty()) {
    sources.push_back(accessToken(options, settings, timer));
  }
  bool haveApplication = !settings.tenantId.empty() && !settings.clientId.empty();
  if (haveApplication && !settings.clientSecret.empty()) sources.push_back(clientSecret(options, settings, transport, timer));
  if (haveApplication && !settings.federatedTokenFile.empty()) {
    sources.push_back(workloadIdentity(options, settings, transport, timer));
  }
  // Auto asks the instance metadata service only at an explicit endpoint: probing its
  // default address from outside Azure waits for a connect timeout. On an Azure VM, pass
  // --auth managed-identity.
  bool appService = !settings.identityEndpoint.empty() && !settings.identityHeader.empty();
  if (appService || !settings.imdsEndpoint.empty()) sources.push_back(managedIdentity(settings, transport, timer));
  if (!findProgram(options.azureCliProgram, settings.path).empty()) sources.push_back(azureCli(options, settings));

  if (sources.empty()) {
    throw CredentialError(
        "no credentials found: set KVRELOCATE_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and "
        "AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE), or run on a managed identity, or sign in with az login");
  }
  return std::make_unique<ChainedCredential>(std::move(sources));
}

}  // namespace

Environment processEnvironment() {
  return [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value != nullptr ? std::string(value) : std::string();
  };
}

std::optional<AuthMethod> parseAuthMethod(std::string_view name) {
  for (const auto& entry : kMethodNames) {
    if (name == entry.name) return entry.method;
  }
  return std::nullopt;
}

const char* authMethodName(AuthMethod method) {
  for (const auto& entry : kMethodNames) {
    if (entry.method == method) return entry.name;
  }
  return "unknown";
}

std::unique_ptr<TokenCredential> makeCredential(const CredentialOptions& options, HttpTransport& transport,
                                                Timer& timer, Environment environment) {
  Settings settings = readSettings(options, environment);
  switch (options.method) {
    case AuthMethod::Auto:
      return automatic(options, settings, transport, timer);
    case AuthMethod::ClientSecret:
      requireSettings(options.method, {{"AZURE_TENANT_ID", &settings.tenantId},
                                       {"AZURE_CLIENT_ID", &settings.clientId},
                                       {"AZURE_CLIENT_SECRET", &settings.clientSecret}});
      return clientSecret(options, settings, transport, timer);
    case AuthMethod::WorkloadIdentity:
      requireSettings(options.method, {{"AZURE_TENANT_ID", &settings.tenantId},
                                       {"AZURE_CLIENT_ID", &settings.clientId},
                                       {"AZURE_FEDERATED_TOKEN_FILE", &settings.federatedTokenFile}});
      return workloadIdentity(options, settings, transport, timer);
    case AuthMethod::ManagedIdentity:
      return managedIdentity(settings, transport, timer);
    case AuthMethod::AzureCli:
      return azureCli(options, settings);
    case AuthMethod::AccessToken:
      requireSettings(options.method, {{kAccessTokenVariable, &settings.resourceManagerToken}});
      return accessToken(options, settings, timer);
  }
  throw CredentialError("unknown authentication method");
}

}  // namespace kvr::azure
