// File: alert/log_sink.h
//
// LogSink writes each alert as one line to a stream and always succeeds. Two formats:
//   kJournal:   "<5>babelwatch alert: <summary> <link> key=<idempotency key>" for stderr and
//               journald (sd-daemon priority prefix, notice);
//   kJsonLines: the shared payload (alert/payload.h) as one JSON object per line (stdout).
// Thread-safe (a mutex serializes writes). The stream must outlive the sink.
#pragma once

#include <iosfwd>
#include <mutex>
#include <string>

#include "alert/sink.h"

namespace babelwatch::alert {

class LogSink final : public Sink {
 public:
  enum class Format { kJournal, kJsonLines };

  LogSink(SinkOptions options, std::string public_url, std::ostream& out, Format format);

  [[nodiscard]] int MaxInFlight() const override { return 16; }
  // Writes the line and calls done(kDelivered) before returning; kRetry if the stream
  // reports a write error.
  void Deliver(const Alert& alert, int64_t now_ms, Done done) override;

 private:
  // Constant after construction.
  const std::string public_url_;
  const Format format_;

  std::mutex mu_;
  std::ostream& out_;  // GUARDED_BY(mu_)
};

}  // namespace babelwatch::alert
