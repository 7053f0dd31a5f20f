#include "alert/alertmanager_sink.h"

#include <boost/json.hpp>

#include "alert/payload.h"
#include "core/time_format.h"

namespace babelwatch::alert {

std::string AlertmanagerEndpoint(std::string_view url) {
  static constexpr std::string_view kPath = "/api/v2/alerts";
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.size() >= kPath.size() && url.substr(url.size() - kPath.size()) == kPath) {
    return std::string(url);
  }
  return std::string(url) + std::string(kPath);
}

boost::json::array BuildAlertmanagerAlerts(const Alert& alert, std::string_view public_url) {
  namespace json = boost::json;
  const std::string link = StoryLink(public_url, alert.story);
  std::string langs;
  for (const std::string& l : alert.languages) {
    if (!langs.empty()) langs += ',';
    langs += l;
  }
  json::object labels;
  labels["alertname"] = "BabelwatchStorySpread";
  labels["story"] = std::to_string(alert.story);
  labels["kind"] = alert.kind;
  labels["languages"] = langs;
  labels["idempotency_key"] = alert.idempotency_key;
  labels["severity"] = "info";

  std::string description;
  for (const StoryLanguage& l : alert.story_snapshot.languages) {
    if (!description.empty()) description += '\n';
    description += "[" + Truncate(l.lang, 16) + "] " + Truncate(l.title, kMaxTitleBytes) + " (" +
                   Truncate(l.source, 200) + ", " + FormatIso8601(l.first_seen_ms) + ")";
    if (IsWebUrl(l.url)) description += " " + l.url;
  }
  json::object annotations;
  annotations["summary"] = Summary(alert);
  annotations["description"] = description;
  annotations["link"] = link;

  json::object a;
  a["labels"] = std::move(labels);
  a["annotations"] = std::move(annotations);
  a["startsAt"] = FormatIso8601(alert.at_ms);
  if (IsWebUrl(link)) a["generatorURL"] = link;
  json::array out;
  out.push_back(std::move(a));
  return out;
}

AlertmanagerSink::AlertmanagerSink(SinkOptions options, std::string public_url,
                                   net::HttpClient& http)
    : Sink(std::move(options)),
      public_url_(std::move(public_url)),
      endpoint_(AlertmanagerEndpoint(this->options().url)),
      http_(http) {}

void AlertmanagerSink::Deliver(const Alert& alert, int64_t now_ms, Done done) {
  net::HttpRequest request = JsonPost(
      options(), endpoint_, boost::json::serialize(BuildAlertmanagerAlerts(alert, public_url_)));
  http_.Fetch(std::move(request),
              [done = std::move(done), now_ms](Result<net::HttpResponse> response) {
                done(ClassifyResponse(response, now_ms));
              });
}

}  // namespace babelwatch::alert
