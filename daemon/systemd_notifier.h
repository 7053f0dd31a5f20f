// File: daemon/systemd_notifier.h
//
// SystemdNotifier sends sd_notify(3) messages (READY=1, WATCHDOG=1, STOPPING=1, STATUS=…)
// to $NOTIFY_SOCKET when systemd (or a test) set it, and does nothing otherwise.
// Thread-safe (each message is one datagram).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace babelwatch::daemon {

class SystemdNotifier {
 public:
  SystemdNotifier();

  // True when $NOTIFY_SOCKET is set.
  [[nodiscard]] bool enabled() const { return enabled_; }
  // The watchdog interval systemd asked for ($WATCHDOG_USEC for this pid), if any.
  [[nodiscard]] std::optional<std::chrono::microseconds> watchdog_interval() const {
    return watchdog_;
  }

  void Ready() const { Send("READY=1"); }
  void Reloading() const { Send("RELOADING=1"); }
  void Stopping() const { Send("STOPPING=1"); }
  void Watchdog() const { Send("WATCHDOG=1"); }
  void Status(std::string_view status) const;

 private:
  void Send(std::string_view message) const;

  // Constant after construction.
  bool enabled_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace babelwatch::daemon
