// File: core/clock.h
//
// Time is injected (Envoy's TimeSource): wall time for timestamps that leave the process and
// steady time for timers and durations are kept apart. RealClock reads the OS clocks and is
// thread-safe. ManualClock is for tests and replay: it moves only when told, thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace babelwatch {

using SystemTime = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual SystemTime SystemNow() const = 0;
  [[nodiscard]] virtual MonotonicTime MonotonicNow() const = 0;
};

class RealClock final : public Clock {
 public:
  SystemTime SystemNow() const override { return std::chrono::system_clock::now(); }
  MonotonicTime MonotonicNow() const override { return std::chrono::steady_clock::now(); }
};

// Both clocks advance together by Advance(); SetSystem() jumps wall time only.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t unix_ms = 0) : system_ms_(unix_ms), steady_ms_(0) {}
  SystemTime SystemNow() const override {
    return SystemTime(std::chrono::milliseconds(system_ms_.load()));
  }
  MonotonicTime MonotonicNow() const override {
    return MonotonicTime(std::chrono::milliseconds(steady_ms_.load()));
  }
  void Advance(std::chrono::milliseconds d) {
    system_ms_ += d.count();
    steady_ms_ += d.count();
  }
  void SetSystem(int64_t unix_ms) { system_ms_ = unix_ms; }

 private:
  std::atomic<int64_t> system_ms_;
  std::atomic<int64_t> steady_ms_;
};

// Milliseconds since the Unix epoch, the unit every timestamp field in core types uses.
[[nodiscard]] inline int64_t ToUnixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace babelwatch
