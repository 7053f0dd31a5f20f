#include "monitoring/health.h"

namespace babelwatch::monitoring {

void HealthState::SetReady(bool ready) {
  std::lock_guard<std::mutex> lock(mutex_);
  ready_ = ready;
}

void HealthState::SetDegraded(const std::string& component, std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reason.empty()) {
    degraded_.erase(component);
  } else {
    degraded_[component] = std::move(reason);
  }
}

bool HealthState::ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return ready_ && degraded_.empty();
}

std::string HealthState::NotReadyReasons() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  if (!ready_) out += "not ready: starting or stopping\n";
  for (const auto& [component, reason] : degraded_) out += component + ": " + reason + "\n";
  return out;
}

}  // namespace babelwatch::monitoring
