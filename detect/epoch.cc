#include "detect/epoch.h"

namespace babelwatch::detect {

size_t EpochManager::ThisThreadShard() {
  // The address of a thread_local differs per thread; mixing it spreads threads over shards.
  thread_local const size_t shard = [] {
    static thread_local char tag;
    uint64_t x = reinterpret_cast<uintptr_t>(&tag);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<size_t>(x % kShards);
  }();
  return shard;
}

EpochManager::Guard::Guard(EpochManager& manager) {
  Shard& shard = manager.shards_[ThisThreadShard()];
  for (;;) {
    const uint64_t epoch = manager.epoch_.load(std::memory_order_seq_cst);
    std::atomic<int64_t>* counter = &shard.active[epoch & 1];
    counter->fetch_add(1, std::memory_order_seq_cst);
    // If the epoch moved between the load and the increment, the reclaimer may already have
    // checked this counter; pin again at the new epoch.
    if (manager.epoch_.load(std::memory_order_seq_cst) == epoch) {
      counter_ = counter;
      return;
    }
    counter->fetch_sub(1, std::memory_order_seq_cst);
  }
}

EpochManager::Guard::~Guard() { counter_->fetch_sub(1, std::memory_order_seq_cst); }

uint64_t EpochManager::TryAdvance() {
  uint64_t epoch = epoch_.load(std::memory_order_seq_cst);
  // Operations pinned at epoch - 1 count in the other parity, the one epoch + 1 will use.
  const size_t parity = (epoch + 1) & 1;
  for (const Shard& shard : shards_) {
    if (shard.active[parity].load(std::memory_order_seq_cst) != 0) return epoch;
  }
  epoch_.compare_exchange_strong(epoch, epoch + 1, std::memory_order_seq_cst);
  return epoch_.load(std::memory_order_seq_cst);
}

}  // namespace babelwatch::detect
