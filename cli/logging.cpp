#include "cli/logging.h"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace kvr::cli {

namespace {

// The "%*" pattern flag: the log message as a quoted JSON string, so that quotes and
// line breaks in a message keep each JSON log line valid.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& destination) override {
    std::string text(message.payload.data(), message.payload.size());
    std::string quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    destination.append(quoted.data(), quoted.data() + quoted.size());
  }

  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

spdlog::level::level_enum levelFor(int verbosity) {
  if (verbosity >= 2) return spdlog::level::debug;
  if (verbosity == 1) return spdlog::level::info;
  return spdlog::level::warn;
}

}  // namespace

void configureLogging(int verbosity, const std::string& format) {
  auto logger = std::make_shared<spdlog::logger>("kvrelocate", std::make_shared<spdlog::sinks::stderr_sink_st>());
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","message":%*})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z kvrelocate [%l] %v");
  }
  logger->set_level(levelFor(verbosity));
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace kvr::cli
