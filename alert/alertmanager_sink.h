// File: alert/alertmanager_sink.h
//
// AlertmanagerSink posts each alert to Prometheus Alertmanager's API v2
// (POST <url>/api/v2/alerts, a JSON array with one alert):
//   labels: alertname="BabelwatchStorySpread", story, kind, languages ("en,ru,uk"),
//           idempotency_key, severity="info"
//   annotations: summary, description (one line per language), link
//   startsAt: the alert time; generatorURL: the story link.
// The labels include the idempotency key, so a redelivery is the same Alertmanager alert
// (same fingerprint) and is deduplicated there. `url` is the Alertmanager base URL
// (http://host:9093) or the full endpoint. Thread-safe; see alert/sink.h.
#pragma once

#include <boost/json/array.hpp>
#include <string>
#include <string_view>

#include "alert/sink.h"

namespace babelwatch::alert {

// "<base>/api/v2/alerts" unless `url` already ends with it.
[[nodiscard]] std::string AlertmanagerEndpoint(std::string_view url);

[[nodiscard]] boost::json::array BuildAlertmanagerAlerts(const Alert& alert,
                                                         std::string_view public_url);

class AlertmanagerSink final : public Sink {
 public:
  AlertmanagerSink(SinkOptions options, std::string public_url, net::HttpClient& http);

  [[nodiscard]] int MaxInFlight() const override { return 4; }
  void Deliver(const Alert& alert, int64_t now_ms, Done done) override;

 private:
  // Constant after construction.
  const std::string public_url_;
  const std::string endpoint_;
  net::HttpClient& http_;
};

}  // namespace babelwatch::alert
