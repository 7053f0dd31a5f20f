#include <openssl/evp.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>

#include "alert/alertmanager_sink.h"
#include "alert/log_sink.h"
#include "alert/payload.h"
#include "alert/sink.h"
#include "alert/sink_factory.h"
#include "alert/slack_sink.h"
#include "alert/webhook_sink.h"
#include "core/time_format.h"
#include "tests/alert/fake_http_client.h"
#include "tests/alert/test_alerts.h"
#include "tests/store/result_printer.h"

namespace babelwatch::alert {
namespace {

namespace json = boost::json;
using testing::FakeHttpClient;
using testing::SampleAlert;

json::value Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

SinkOptions Options(std::string type, std::string url = "https://hooks.example/x") {
  SinkOptions o;
  o.name = type + "-sink";
  o.type = std::move(type);
  o.url = std::move(url);
  return o;
}

// ------------------------------------------------------------------------------- payload

TEST_CASE("Payload: carries story, link, per-language firsts, timing and links",
          "[alert][payload]") {
  const Alert a = SampleAlert();
  const json::object p = BuildPayload(a, "https://bw.example/");
  CHECK(p.at("kind").as_string() == "spread");
  CHECK(p.at("story").to_number<uint64_t>() == 42);
  CHECK(p.at("idempotency_key").as_string() == "story-42/languages-3");
  CHECK(p.at("link").as_string() == "https://bw.example/api/stories/42");
  CHECK(p.at("sources").to_number<int>() == 3);
  CHECK(p.at("documents").to_number<int>() == 4);
  CHECK(p.at("time_to_alert_s").to_number<int64_t>() == 7500);
  CHECK(p.at("alerted_at").as_string() == FormatIso8601(a.at_ms));
  CHECK(p.at("first_seen").as_string() == FormatIso8601(a.story_snapshot.first_seen_ms));
  const json::array& per = p.at("per_language").as_array();
  REQUIRE(per.size() == 3);
  CHECK(per[0].at("lang").as_string() == "en");
  CHECK(per[0].at("title").as_string() == "Kazakhstan <won't> recognise votes & results");
  CHECK(per[0].at("source").as_string() == "wire.example");
  CHECK(per[0].at("first_seen").as_string() == FormatIso8601(a.at_ms - 7'500'000));
  CHECK(per[1].at("lang").as_string() == "uk");
  // A non-http(s) URL from a feed is not passed on.
  CHECK(per[2].at("url").as_string() == "");
  const json::array& links = p.at("links").as_array();
  REQUIRE(links.size() == 3);
  CHECK(links[0].as_string() == "https://bw.example/api/stories/42");
  CHECK(links[1].as_string() == "https://wire.example/a?x=1&y=2");
  CHECK_THAT(Str(p.at("summary")),
             Catch::Equals("Story 42 spread to 3 languages (en, ru, uk) from 3 sources, "
                           "2h 05m after the first article"));
}

TEST_CASE("Payload: long headlines are cut on a UTF-8 boundary", "[alert][payload]") {
  std::string title;
  for (int i = 0; i < 200; ++i) title += "ж";  // 2 bytes each
  const std::string cut = Truncate(title, 11);
  CHECK(cut.size() <= 11);
  CHECK(cut == "жжжж\xE2\x80\xA6");
  CHECK(Truncate("short", 300) == "short");
  Alert a = SampleAlert();
  a.story_snapshot.languages[0].title = title;
  const json::object p = BuildPayload(a, "http://x");
  CHECK(p.at("per_language").as_array()[0].at("title").as_string().size() <= kMaxTitleBytes);
}

TEST_CASE("Payload: durations and URL checks", "[alert][payload]") {
  CHECK(FormatDuration(45'000) == "45s");
  CHECK(FormatDuration(750'000) == "12m 30s");
  CHECK(FormatDuration(7'500'000) == "2h 05m");
  CHECK(FormatDuration(90'000'000) == "1d 01h");
  CHECK(FormatDuration(-5) == "0s");
  CHECK(IsWebUrl("https://a.example/x"));
  CHECK_FALSE(IsWebUrl("https:///x"));
  CHECK_FALSE(IsWebUrl("file:///etc/passwd"));
  CHECK_FALSE(IsWebUrl("http://a.example/x y"));
  CHECK(StoryLink("http://h:9797", 7) == "http://h:9797/api/stories/7");
}

// --------------------------------------------------------------------- classification

TEST_CASE("ParseRetryAfterMs: seconds, HTTP dates, garbage", "[alert][sink]") {
  const int64_t now = 1'445'412'480'000;  // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(ParseRetryAfterMs("120", now) == std::optional<int64_t>(120'000));
  CHECK(ParseRetryAfterMs(" 5 ", now) == std::optional<int64_t>(5'000));
  CHECK(ParseRetryAfterMs("0", now) == std::optional<int64_t>(0));
  CHECK(ParseRetryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT", now) == std::optional<int64_t>(30'000));
  CHECK(ParseRetryAfterMs("Wed, 21 Oct 2015 07:00:00 GMT", now) == std::optional<int64_t>(0));
  CHECK(ParseRetryAfterMs("99999999999999999999", now) ==
        std::optional<int64_t>(24LL * 3600 * 1000));
  CHECK_FALSE(ParseRetryAfterMs("", now));
  CHECK_FALSE(ParseRetryAfterMs("-1", now));
  CHECK_FALSE(ParseRetryAfterMs("soon", now));
  CHECK_FALSE(ParseRetryAfterMs("Wed, 21 Foo 2015 07:28:30 GMT", now));
  CHECK_FALSE(ParseRetryAfterMs("1.5", now));
}

Result<net::HttpResponse> Response(int status, net::Headers headers = {}, std::string body = "") {
  net::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST_CASE("ClassifyResponse: statuses and transport errors", "[alert][sink]") {
  using Kind = DeliveryOutcome::Kind;
  CHECK(ClassifyResponse(Response(200), 0).kind == Kind::kDelivered);
  CHECK(ClassifyResponse(Response(204), 0).kind == Kind::kDelivered);
  DeliveryOutcome e500 = ClassifyResponse(Response(500, {}, "boom\nline"), 0);
  CHECK(e500.kind == Kind::kRetry);
  CHECK(e500.http_status == 500);
  CHECK(e500.detail == "HTTP 500: boom line");
  CHECK_FALSE(e500.retry_after_ms);
  DeliveryOutcome e429 = ClassifyResponse(Response(429, {{"retry-after", "7"}}), 0);
  CHECK(e429.kind == Kind::kRetry);
  CHECK(e429.retry_after_ms == std::optional<int64_t>(7000));
  CHECK(ClassifyResponse(Response(503, {{"retry-after", "2"}}), 0).retry_after_ms ==
        std::optional<int64_t>(2000));
  CHECK(ClassifyResponse(Response(408), 0).kind == Kind::kRetry);
  CHECK(ClassifyResponse(Response(404, {}, "no_service"), 0).kind == Kind::kPermanent);
  CHECK(ClassifyResponse(Response(400), 0).kind == Kind::kPermanent);
  CHECK(ClassifyResponse(Response(301), 0).kind == Kind::kPermanent);
  CHECK(ClassifyResponse(DeadlineExceeded("timeout after 10000 ms"), 0).kind == Kind::kRetry);
  CHECK(ClassifyResponse(Unavailable("connection refused"), 0).kind == Kind::kRetry);
  CHECK(ClassifyResponse(InvalidArgument("bad url"), 0).kind == Kind::kPermanent);
  CHECK(ClassifyResponse(Cancelled("stop"), 0).kind == Kind::kCancelled);
  CHECK_THAT(ClassifyResponse(DeadlineExceeded("timeout after 10000 ms"), 0).detail,
             Catch::Contains("deadline_exceeded: timeout after 10000 ms"));
}

// ----------------------------------------------------------------------------- webhook

// HMAC-SHA256 through OpenSSL's EVP_MAC API, independent of the code under test (HMAC()).
std::string ReferenceHmacHex(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  REQUIRE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                    sizeof(out), &len) != nullptr);
  std::string hex;
  char buf[3];
  for (size_t i = 0; i < len; ++i) {
    snprintf(buf, sizeof(buf), "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

TEST_CASE("HmacSha256Hex: RFC 4231 test case 2 and OpenSSL's EVP_MAC agree", "[alert][webhook]") {
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(ReferenceHmacHex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(SignatureHeader("Jefe", 1700000000, "{}") ==
        "t=1700000000,v1=" + ReferenceHmacHex("Jefe", "1700000000.{}"));
}

TEST_CASE("WebhookSink: signed JSON POST with the idempotency key", "[alert][webhook]") {
  FakeHttpClient http;
  SinkOptions o = Options("webhook", "https://hooks.example/bw");
  o.secret = "s3cret";
  o.timeout_s = 7;
  WebhookSink sink(o, "https://bw.example", http);
  const int64_t now = 1'700'000'123'456;
  const net::HttpRequest r = sink.BuildRequest(SampleAlert(), now);
  CHECK(r.method == "POST");
  CHECK(r.url == "https://hooks.example/bw");
  CHECK(r.total_timeout_ms == 7000);
  CHECK(r.max_redirects == 0);
  CHECK_FALSE(r.allow_file_scheme);
  CHECK(FakeHttpClient::Header(r, "Content-Type") == "application/json");
  CHECK(FakeHttpClient::Header(r, "Idempotency-Key") == "story-42/languages-3");
  const std::string sig = FakeHttpClient::Header(r, "X-Babelwatch-Signature");
  // Verify as a receiver would: split t= and v1=, recompute over "<t>.<raw body>".
  REQUIRE(sig.rfind("t=1700000123,v1=", 0) == 0);
  CHECK(sig.substr(16) == ReferenceHmacHex("s3cret", "1700000123." + r.body));
  const json::value body = Parse(r.body);
  CHECK(body.at("story").to_number<uint64_t>() == 42);
  CHECK(body.at("link").as_string() == "https://bw.example/api/stories/42");

  SECTION("no secret, no signature") {
    o.secret.clear();
    WebhookSink unsigned_sink(o, "https://bw.example", http);
    CHECK(FakeHttpClient::Header(unsigned_sink.BuildRequest(SampleAlert(), now),
                                 "X-Babelwatch-Signature") == "");
  }
}

TEST_CASE("WebhookSink: outcomes from the fake client", "[alert][webhook]") {
  using Kind = DeliveryOutcome::Kind;
  FakeHttpClient http;
  WebhookSink sink(Options("webhook"), "http://bw", http);
  std::vector<DeliveryOutcome> got;
  auto deliver = [&] {
    sink.Deliver(SampleAlert(), 1000, [&](DeliveryOutcome o) { got.push_back(std::move(o)); });
    REQUIRE(got.empty() == (http.pending() == 1));  // not completed inline
  };
  SECTION("2xx") {
    deliver();
    http.CompleteNext(202);
    REQUIRE(got.size() == 1);
    CHECK(got[0].kind == Kind::kDelivered);
  }
  SECTION("500") {
    deliver();
    http.CompleteNext(500, {}, "internal");
    CHECK(got.at(0).kind == Kind::kRetry);
    CHECK(got.at(0).detail == "HTTP 500: internal");
  }
  SECTION("429 with Retry-After") {
    deliver();
    http.CompleteNext(429, {{"retry-after", "30"}});
    CHECK(got.at(0).kind == Kind::kRetry);
    CHECK(got.at(0).retry_after_ms == std::optional<int64_t>(30'000));
  }
  SECTION("timeout") {
    deliver();
    http.CompleteNext(DeadlineExceeded("https://hooks.example/x: timeout after 10000 ms"));
    CHECK(got.at(0).kind == Kind::kRetry);
    CHECK_THAT(got.at(0).detail, Catch::Contains("timeout"));
  }
}

// ------------------------------------------------------------------------------- slack

TEST_CASE("SlackEscape: &, < and > become entities, the rest stays", "[alert][slack]") {
  CHECK(SlackEscape("a & b <c> d") == "a &amp; b &lt;c&gt; d");
  CHECK(SlackEscape("<!channel> *bold* Київ") == "&lt;!channel&gt; *bold* Київ");
  CHECK(SlackEscape("&amp;") == "&amp;amp;");
  CHECK(SlackLink("https://x.example/a?b=1&c=<2>|3", "T <i>") ==
        "<https://x.example/a?b=1&amp;c=%3C2%3E%7C3|T &lt;i&gt;>");
  CHECK(SlackLink("javascript:alert(1)", "T&") == "T&amp;");
}

TEST_CASE("SlackSink: Block Kit message with an escaped fallback", "[alert][slack]") {
  const json::object m = BuildSlackMessage(SampleAlert(), "https://bw.example");
  const std::string text = Str(m.at("text"));
  CHECK_THAT(text, Catch::StartsWith("Story 42 spread to 3 languages"));
  CHECK_THAT(text, Catch::Contains("Kazakhstan &lt;won't&gt; recognise votes &amp; results"));
  CHECK_THAT(text, Catch::Contains("https://bw.example/api/stories/42"));
  const json::array& blocks = m.at("blocks").as_array();
  REQUIRE(blocks.size() == 6);  // header, summary, 3 languages, context
  CHECK(blocks[0].at("type").as_string() == "header");
  CHECK(blocks[0].at("text").at("type").as_string() == "plain_text");
  CHECK(blocks[1].at("type").as_string() == "section");
  CHECK_THAT(Str(blocks[1].at("text").at("text")),
             Catch::StartsWith("*<https://bw.example/api/stories/42|Story 42>*"));
  const std::string en = Str(blocks[2].at("text").at("text"));
  CHECK(blocks[2].at("text").at("type").as_string() == "mrkdwn");
  CHECK_THAT(en, Catch::Contains("`en` <https://wire.example/a?x=1&amp;y=2|Kazakhstan "
                                 "&lt;won't&gt; recognise votes &amp; results>"));
  CHECK_THAT(en, Catch::Contains("wire.example, first seen "));
  // The javascript: link of the Russian article is shown as text, not as a link.
  const std::string ru = Str(blocks[4].at("text").at("text"));
  CHECK_THAT(ru, Catch::StartsWith("`ru` Казахстан не признает\n"));
  CHECK(blocks[5].at("type").as_string() == "context");
}

TEST_CASE("SlackSink: one message per second, and 429 Retry-After holds the webhook",
          "[alert][slack]") {
  using Kind = DeliveryOutcome::Kind;
  FakeHttpClient http;
  SlackSink sink(Options("slack"), "http://bw", http);
  CHECK(sink.MaxInFlight() == 1);
  CHECK(sink.ReadyAt() == 0);
  std::vector<DeliveryOutcome> got;
  auto done = [&](DeliveryOutcome o) { got.push_back(std::move(o)); };
  sink.Deliver(SampleAlert(), 10'000, done);
  CHECK(sink.ReadyAt() == 11'000);
  http.CompleteNext(200, {}, "ok");
  CHECK(got.at(0).kind == Kind::kDelivered);
  CHECK(sink.ReadyAt() == 11'000);

  sink.Deliver(SampleAlert(), 11'000, done);
  http.CompleteNext(429, {{"retry-after", "30"}}, "rate_limited");
  CHECK(got.at(1).kind == Kind::kRetry);
  CHECK(got.at(1).retry_after_ms == std::optional<int64_t>(30'000));
  CHECK(sink.ReadyAt() == 41'000);

  sink.Deliver(SampleAlert(), 41'000, done);
  http.CompleteNext(404, {}, "no_service");
  CHECK(got.at(2).kind == Kind::kPermanent);
  const json::value body = Parse(http.sent().at(0).body);
  CHECK(body.at("blocks").is_array());
}

// ------------------------------------------------------------------------ alertmanager

TEST_CASE("AlertmanagerSink: API v2 alert with the idempotency key as a label",
          "[alert][alertmanager]") {
  CHECK(AlertmanagerEndpoint("http://127.0.0.1:9093") == "http://127.0.0.1:9093/api/v2/alerts");
  CHECK(AlertmanagerEndpoint("http://am/") == "http://am/api/v2/alerts");
  CHECK(AlertmanagerEndpoint("http://am/api/v2/alerts") == "http://am/api/v2/alerts");

  FakeHttpClient http;
  AlertmanagerSink sink(Options("alertmanager", "http://127.0.0.1:9093"), "https://bw.example",
                        http);
  std::vector<DeliveryOutcome> got;
  sink.Deliver(SampleAlert(), 5, [&](DeliveryOutcome o) { got.push_back(std::move(o)); });
  REQUIRE(http.pending() == 1);
  CHECK(http.next().url == "http://127.0.0.1:9093/api/v2/alerts");
  const json::value body = Parse(http.next().body);
  REQUIRE(body.as_array().size() == 1);
  const json::value& a = body.as_array()[0];
  CHECK(a.at("labels").at("alertname").as_string() == "BabelwatchStorySpread");
  CHECK(a.at("labels").at("story").as_string() == "42");
  CHECK(a.at("labels").at("languages").as_string() == "en,ru,uk");
  CHECK(a.at("labels").at("idempotency_key").as_string() == "story-42/languages-3");
  CHECK(a.at("annotations").at("link").as_string() == "https://bw.example/api/stories/42");
  CHECK_THAT(Str(a.at("annotations").at("description")),
             Catch::Contains("[uk] Казахстан не визнає (news.example.ua, "));
  CHECK(a.at("startsAt").as_string() == FormatIso8601(SampleAlert().at_ms));
  CHECK(a.at("generatorURL").as_string() == "https://bw.example/api/stories/42");
  http.CompleteNext(200);
  CHECK(got.at(0).kind == DeliveryOutcome::Kind::kDelivered);
}

// --------------------------------------------------------------------------- log sink

TEST_CASE("LogSink: journal line and JSON lines", "[alert][log]") {
  std::ostringstream out;
  std::vector<DeliveryOutcome> got;
  auto done = [&](DeliveryOutcome o) { got.push_back(std::move(o)); };
  SECTION("journal") {
    LogSink sink(Options("log", ""), "http://bw", out, LogSink::Format::kJournal);
    sink.Deliver(SampleAlert(), 0, done);
    CHECK(out.str() ==
          "<5>babelwatch alert: Story 42 spread to 3 languages (en, ru, uk) from 3 sources, "
          "2h 05m after the first article http://bw/api/stories/42 "
          "key=story-42/languages-3\n");
  }
  SECTION("json lines") {
    LogSink sink(Options("stdout", ""), "http://bw", out, LogSink::Format::kJsonLines);
    sink.Deliver(SampleAlert(), 0, done);
    sink.Deliver(SampleAlert(43), 0, done);
    std::istringstream lines(out.str());
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      CHECK(Parse(line).at("kind").as_string() == "spread");
      ++n;
    }
    CHECK(n == 2);
  }
  REQUIRE_FALSE(got.empty());
  for (const DeliveryOutcome& o : got) CHECK(o.kind == DeliveryOutcome::Kind::kDelivered);
}

TEST_CASE("LogSink: a failing stream is a retry, not a loss", "[alert][log]") {
  std::optional<DeliveryOutcome> got;
  // A stream that fails on write: a streambuf that refuses everything.
  struct Refuse : std::streambuf {
    int overflow(int) override { return traits_type::eof(); }
  } refuse;
  std::ostream bad(&refuse);
  LogSink bad_sink(Options("log", ""), "http://bw", bad, LogSink::Format::kJournal);
  bad_sink.Deliver(SampleAlert(), 0, [&](DeliveryOutcome o) { got = std::move(o); });
  REQUIRE(got);
  CHECK(got->kind == DeliveryOutcome::Kind::kRetry);
  CHECK_THAT(got->detail, Catch::Contains("log-sink"));
}

// ---------------------------------------------------------------------------- factory

TEST_CASE("MakeSinks: builds every type and reports every bad sink", "[alert][factory]") {
  FakeHttpClient http;
  SinkContext ctx;
  ctx.http = &http;
  ctx.public_url = "http://bw";
  std::ostringstream log;
  ctx.log_stream = &log;
  std::vector<SinkOptions> good = {Options("log", ""), Options("stdout", ""), Options("webhook"),
                                   Options("slack"),
                                   Options("alertmanager", "http://127.0.0.1:9093")};
  Result<std::vector<std::unique_ptr<Sink>>> sinks = MakeSinks(good, ctx);
  REQUIRE(sinks);
  CHECK(sinks->size() == 5);

  std::vector<SinkOptions> bad = {Options("pager"), Options("webhook", "file:///etc/passwd"),
                                  Options("slack"), Options("slack")};
  bad[3].max_attempts = 0;
  bad[3].name = "other";
  Result<std::vector<std::unique_ptr<Sink>>> errors = MakeSinks(bad, ctx);
  REQUIRE_FALSE(errors);
  CHECK(errors.error().code == Code::kInvalidArgument);
  CHECK_THAT(errors.error().message, Catch::Contains("sink \"pager-sink\": unknown type"));
  CHECK_THAT(errors.error().message,
             Catch::Contains("sink \"webhook-sink\": url \"file:///etc/passwd\" is not an "
                             "http(s) URL"));
  CHECK_THAT(errors.error().message, Catch::Contains("sink \"other\": max_attempts"));

  std::vector<SinkOptions> dup = {Options("log", ""), Options("log", "")};
  Result<std::vector<std::unique_ptr<Sink>>> d = MakeSinks(dup, ctx);
  REQUIRE_FALSE(d);
  CHECK_THAT(d.error().message, Catch::Contains("name used twice"));

  ctx.http = nullptr;
  CHECK_FALSE(MakeSink(Options("webhook"), ctx));
}

TEST_CASE("MakeSinks: Slack sinks built by two calls with one slack_limits share the limit",
          "[alert][factory][reload]") {
  FakeHttpClient http;
  SinkContext ctx;
  ctx.http = &http;
  ctx.slack_limits = std::make_shared<SlackRateLimits>();
  Result<std::vector<std::unique_ptr<Sink>>> start = MakeSinks({Options("slack")}, ctx);
  REQUIRE(start);
  // A reload builds the sink again (same URL): it inherits the slot taken before.
  REQUIRE((*start)[0]->TryReserve(10'000));
  Result<std::vector<std::unique_ptr<Sink>>> reloaded = MakeSinks({Options("slack")}, ctx);
  REQUIRE(reloaded);
  CHECK((*reloaded)[0]->ReadyAt() == (*start)[0]->ReadyAt());
  CHECK_FALSE((*reloaded)[0]->TryReserve(10'000));

  // Without a shared map each call starts free.
  ctx.slack_limits = nullptr;
  Result<std::vector<std::unique_ptr<Sink>>> apart = MakeSinks({Options("slack")}, ctx);
  REQUIRE(apart);
  CHECK((*apart)[0]->TryReserve(10'000));
}

}  // namespace
}  // namespace babelwatch::alert
