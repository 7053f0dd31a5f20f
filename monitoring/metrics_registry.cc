#include "monitoring/metrics_registry.h"

#include <prometheus/registry.h>

namespace babelwatch::monitoring {

prometheus::Registry& MetricsRegistry() {
  // Leaked on purpose (leveldb NoDestructor): metrics may be touched during static destruction.
  static prometheus::Registry* const registry = new prometheus::Registry();
  return *registry;
}

}  // namespace babelwatch::monitoring
