#include "alert/sink_factory.h"

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "alert/alertmanager_sink.h"
#include "alert/log_sink.h"
#include "alert/payload.h"
#include "alert/slack_sink.h"
#include "alert/webhook_sink.h"

namespace babelwatch::alert {

namespace {

Result<std::unique_ptr<Sink>> Make(const SinkOptions& options, const SinkContext& context,
                                   SlackRateLimits* slack_limits) {
  const std::string where = "sink \"" + options.name + "\"";
  if (options.name.empty())
    return InvalidArgument("sink of type \"" + options.type + "\": empty name");
  if (options.max_attempts < 1) {
    return InvalidArgument(where + ": max_attempts must be at least 1, got " +
                           std::to_string(options.max_attempts));
  }
  if (options.type == "log") {
    return std::unique_ptr<Sink>(std::make_unique<LogSink>(
        options, context.public_url, context.log_stream ? *context.log_stream : std::cerr,
        LogSink::Format::kJournal));
  }
  if (options.type == "stdout") {
    return std::unique_ptr<Sink>(std::make_unique<LogSink>(
        options, context.public_url, context.stdout_stream ? *context.stdout_stream : std::cout,
        LogSink::Format::kJsonLines));
  }
  const bool http =
      options.type == "webhook" || options.type == "slack" || options.type == "alertmanager";
  if (!http) {
    return InvalidArgument(where + ": unknown type \"" + options.type +
                           "\" (expected log, stdout, webhook, slack or alertmanager)");
  }
  if (!IsWebUrl(options.url)) {
    return InvalidArgument(where + ": url \"" + options.url + "\" is not an http(s) URL");
  }
  if (context.http == nullptr) return InvalidArgument(where + ": no HTTP client to send with");
  if (options.type == "webhook") {
    return std::unique_ptr<Sink>(
        std::make_unique<WebhookSink>(options, context.public_url, *context.http));
  }
  if (options.type == "slack") {
    std::shared_ptr<std::atomic<int64_t>> limit;
    if (slack_limits != nullptr) {
      std::shared_ptr<std::atomic<int64_t>>& shared = (*slack_limits)[options.url];
      if (!shared) shared = std::make_shared<std::atomic<int64_t>>(0);
      limit = shared;
    }
    return std::unique_ptr<Sink>(
        std::make_unique<SlackSink>(options, context.public_url, *context.http, limit));
  }
  return std::unique_ptr<Sink>(
      std::make_unique<AlertmanagerSink>(options, context.public_url, *context.http));
}

}  // namespace

Result<std::unique_ptr<Sink>> MakeSink(const SinkOptions& options, const SinkContext& context) {
  return Make(options, context, nullptr);
}

Result<std::vector<std::unique_ptr<Sink>>> MakeSinks(const std::vector<SinkOptions>& options,
                                                     const SinkContext& context) {
  std::vector<std::unique_ptr<Sink>> sinks;
  std::string errors;
  std::set<std::string> names;
  SlackRateLimits call_limits;
  SlackRateLimits* slack_limits = context.slack_limits ? context.slack_limits.get() : &call_limits;
  for (const SinkOptions& o : options) {
    if (!o.name.empty() && !names.insert(o.name).second) {
      errors += (errors.empty() ? "" : "\n") + ("sink \"" + o.name + "\": name used twice");
      continue;
    }
    Result<std::unique_ptr<Sink>> sink = Make(o, context, slack_limits);
    if (!sink) {
      errors += (errors.empty() ? "" : "\n") + sink.error().message;
      continue;
    }
    sinks.push_back(std::move(*sink));
  }
  if (!errors.empty()) return InvalidArgument(std::move(errors));
  return sinks;
}

}  // namespace babelwatch::alert
