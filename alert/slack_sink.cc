#include "alert/slack_sink.h"

#include <algorithm>
#include <boost/json.hpp>

#include "alert/payload.h"
#include "core/escape.h"
#include "core/time_format.h"

namespace babelwatch::alert {
namespace {

constexpr size_t kMaxLanguageLines = 20;  // Slack allows 50 blocks per message

}  // namespace

std::string SlackEscape(std::string_view text) { return Escaped(text, EscapeSet::kText); }

std::string SlackLink(std::string_view url, std::string_view label) {
  if (!IsWebUrl(url)) return SlackEscape(label);
  std::string u;
  for (char c : url) {
    switch (c) {
      case '&':
        u += "&amp;";
        break;
      case '<':
        u += "%3C";
        break;
      case '>':
        u += "%3E";
        break;
      case '|':
        u += "%7C";
        break;
      default:
        u += c;
    }
  }
  return "<" + u + "|" + SlackEscape(label) + ">";
}

boost::json::object BuildSlackMessage(const Alert& alert, std::string_view public_url) {
  namespace json = boost::json;
  const StorySummary& story = alert.story_snapshot;
  const std::string link = StoryLink(public_url, alert.story);
  const std::string summary = Summary(alert);

  auto mrkdwn = [](std::string text) {
    json::object t;
    t["type"] = "mrkdwn";
    t["text"] = std::move(text);
    return t;
  };
  auto section = [&](std::string text) {
    json::object b;
    b["type"] = "section";
    b["text"] = mrkdwn(std::move(text));
    return b;
  };

  json::array blocks;
  {
    json::object header;
    header["type"] = "header";
    json::object t;
    t["type"] = "plain_text";
    t["text"] = Truncate(
        alert.kind == "update"
            ? "Story update: " + std::to_string(alert.languages.size()) + " languages"
            : "Story spread across " + std::to_string(alert.languages.size()) + " languages",
        150);
    header["text"] = std::move(t);
    blocks.push_back(std::move(header));
  }
  blocks.push_back(section("*" + SlackLink(link, "Story " + std::to_string(alert.story)) +
                           "*: " + SlackEscape(summary)));
  std::string fallback = summary;
  size_t shown = 0;
  for (const StoryLanguage& l : story.languages) {
    if (shown == kMaxLanguageLines) {
      blocks.push_back(
          section("_and " + std::to_string(story.languages.size() - shown) + " more languages_"));
      break;
    }
    const std::string title = Truncate(l.title, kMaxTitleBytes);
    blocks.push_back(section("`" + SlackEscape(Truncate(l.lang, 16)) + "` " +
                             SlackLink(l.url, title) + "\n" + SlackEscape(Truncate(l.source, 200)) +
                             ", first seen " + FormatIso8601(l.first_seen_ms)));
    if (shown < 5) fallback += "\n[" + Truncate(l.lang, 16) + "] " + title;
    ++shown;
  }
  {
    json::object context;
    context["type"] = "context";
    json::array elements;
    elements.push_back(mrkdwn("babelwatch · " + SlackEscape(alert.idempotency_key) + " · " +
                              std::to_string(story.documents) + " documents"));
    context["elements"] = std::move(elements);
    blocks.push_back(std::move(context));
  }
  json::object msg;
  // The fallback is shown in notifications as plain text but still parsed for mrkdwn
  // control characters, so it is escaped too.
  msg["text"] = SlackEscape(fallback + "\n" + link);
  msg["blocks"] = std::move(blocks);
  return msg;
}

SlackSink::SlackSink(SinkOptions options, std::string public_url, net::HttpClient& http,
                     std::shared_ptr<std::atomic<int64_t>> limit)
    : Sink(std::move(options)),
      public_url_(std::move(public_url)),
      http_(http),
      ready_at_(limit ? std::move(limit) : std::make_shared<std::atomic<int64_t>>(0)) {}

int64_t SlackSink::ReadyAt() const { return ready_at_->load(); }

bool SlackSink::TryReserve(int64_t now_ms) {
  int64_t ready = ready_at_->load();
  while (ready <= now_ms) {
    if (ready_at_->compare_exchange_weak(ready, now_ms + kMinIntervalMs)) return true;
  }
  return false;
}

void SlackSink::Deliver(const Alert& alert, int64_t now_ms, Done done) {
  // One message per second per webhook, counted from the start of each attempt.
  int64_t ready = ready_at_->load();
  while (ready < now_ms + kMinIntervalMs &&
         !ready_at_->compare_exchange_weak(ready, now_ms + kMinIntervalMs)) {
  }
  net::HttpRequest request = JsonPost(
      options(), options().url, boost::json::serialize(BuildSlackMessage(alert, public_url_)));
  http_.Fetch(std::move(request), [done = std::move(done), now_ms,
                                   ready_at = ready_at_](Result<net::HttpResponse> response) {
    DeliveryOutcome outcome = ClassifyResponse(response, now_ms);
    if (outcome.http_status == 429) {
      // Slack throttles per webhook: hold every message back, not just this one.
      const int64_t until = now_ms + outcome.retry_after_ms.value_or(kMinIntervalMs);
      int64_t cur = ready_at->load();
      while (cur < until && !ready_at->compare_exchange_weak(cur, until)) {
      }
    }
    done(std::move(outcome));
  });
}

}  // namespace babelwatch::alert
