#include "daemon/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <string>

#include "core/log.h"

namespace babelwatch::daemon {

SystemdNotifier::SystemdNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
  }
}

void SystemdNotifier::Status(std::string_view status) const {
  Send("STATUS=" + std::string(status));
}

void SystemdNotifier::Send(std::string_view message) const {
  if (!enabled_) return;
  const std::string m(message);
  const int r = sd_notify(0, m.c_str());
  if (r < 0) {
    Log(LogLevel::kWarning, "systemd", "sd_notify(\"" + m + "\") failed: error " +
                                           std::to_string(-r));
  }
}

}  // namespace babelwatch::daemon
