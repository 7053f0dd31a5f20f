// File: monitoring/health.h
//
// HealthState: what /healthz and /readyz report. The daemon sets ready once the store is open
// and the server listens, and clears it when it starts to stop. Degraded reasons (a feed store
// failure, a stalled stage) make /readyz fail with the reason. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace babelwatch::monitoring {

class HealthState {
 public:
  void SetReady(bool ready);
  // Marks `component` degraded with `reason` (shown by /readyz); an empty reason clears it.
  void SetDegraded(const std::string& component, std::string reason);
  [[nodiscard]] bool ready() const;
  // "" when ready and nothing is degraded, else one line per problem.
  [[nodiscard]] std::string NotReadyReasons() const;

 private:
  mutable std::mutex mutex_;
  bool ready_ = false;                           // GUARDED_BY(mutex_)
  std::map<std::string, std::string> degraded_;  // GUARDED_BY(mutex_)
};

}  // namespace babelwatch::monitoring
