// File: monitoring/metrics_registry.h
//
// The process-wide prometheus-cpp registry: the one global the daemon allows (STYLE item 14).
// It is a function-local static, created on first use and never destroyed, so there is no
// static-initialisation order problem. Components still take `prometheus::Registry&` in their
// constructors (tests pass their own); only Daemon calls MetricsRegistry(). Thread-safe.
#pragma once

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace babelwatch::monitoring {

// The registry /metrics serves. Never deleted; valid for the life of the process.
[[nodiscard]] prometheus::Registry& MetricsRegistry();

}  // namespace babelwatch::monitoring
