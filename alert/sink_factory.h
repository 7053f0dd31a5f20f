// File: alert/sink_factory.h
//
// Builds the configured sinks from SinkOptions (types "log", "stdout", "webhook", "slack",
// "alertmanager"). Not thread-sensitive: call at start-up or reload.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alert/options.h"
#include "alert/sink.h"
#include "core/result.h"
#include "net/http_client.h"

namespace babelwatch::alert {

// The send slot of each Slack webhook URL (see SlackSink), shared by the sinks posting there.
using SlackRateLimits = std::map<std::string, std::shared_ptr<std::atomic<int64_t>>>;

struct SinkContext {
  net::HttpClient* http = nullptr;        // required by HTTP sinks; must outlive them
  std::string public_url;                 // base of story links
  std::ostream* log_stream = nullptr;     // "log" sink (nullptr = std::cerr)
  std::ostream* stdout_stream = nullptr;  // "stdout" sink (nullptr = std::cout)
  // Give the same map to every MakeSinks() call of a process (start and reloads) so Slack
  // sinks of one URL keep one rate limit across reloads; nullptr = shared within one call.
  // Not thread-safe: MakeSinks() calls that share it must not run concurrently.
  std::shared_ptr<SlackRateLimits> slack_limits;
};

// kInvalidArgument naming the sink for an unknown type, an HTTP sink without an http(s)
// URL or without a client, or max_attempts < 1.
[[nodiscard]] Result<std::unique_ptr<Sink>> MakeSink(const SinkOptions& options,
                                                     const SinkContext& context);

// Every sink, or every error (one per line) if any is invalid; names must be unique. Slack
// sinks with the same webhook URL share one rate limit.
[[nodiscard]] Result<std::vector<std::unique_ptr<Sink>>> MakeSinks(
    const std::vector<SinkOptions>& options, const SinkContext& context);

}  // namespace babelwatch::alert
