#include "alert/log_sink.h"

#include <boost/json.hpp>
#include <ostream>

#include "alert/payload.h"

namespace babelwatch::alert {

LogSink::LogSink(SinkOptions options, std::string public_url, std::ostream& out, Format format)
    : Sink(std::move(options)), public_url_(std::move(public_url)), format_(format), out_(out) {}

void LogSink::Deliver(const Alert& alert, int64_t /*now_ms*/, Done done) {
  std::string line;
  if (format_ == Format::kJsonLines) {
    line = boost::json::serialize(BuildPayload(alert, public_url_));
  } else {
    line = "<5>babelwatch alert: " + Summary(alert) + " " + StoryLink(public_url_, alert.story) +
           " key=" + alert.idempotency_key;
  }
  line += '\n';
  bool ok = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out_.clear();
    out_ << line;
    out_.flush();
    ok = static_cast<bool>(out_);
  }
  DeliveryOutcome outcome;
  outcome.kind = ok ? DeliveryOutcome::Kind::kDelivered : DeliveryOutcome::Kind::kRetry;
  if (!ok) outcome.detail = "sink \"" + name() + "\": write to the log stream failed";
  done(std::move(outcome));
}

}  // namespace babelwatch::alert
