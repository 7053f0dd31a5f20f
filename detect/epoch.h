// File: detect/epoch.h
//
// EpochManager: epoch-based reclamation for the lock-free SketchIndex. A reader pins the
// current epoch for the length of one operation (an EpochManager::Guard); memory unlinked
// while the global epoch was e may be freed once the epoch has reached e + 2, because every
// operation that could have seen it has ended by then. Pinning is lock-free and never waits:
// counters are sharded over cache lines by thread so that threads rarely share one.
// Threading: thread-safe; Guards belong to the thread that made them and must not outlive
// the manager. Nothing here allocates or fails.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace babelwatch::detect {

class EpochManager {
 public:
  EpochManager() = default;
  EpochManager(const EpochManager&) = delete;
  EpochManager& operator=(const EpochManager&) = delete;

  // Pins the epoch current at construction until destruction.
  class Guard {
   public:
    explicit Guard(EpochManager& manager);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    std::atomic<int64_t>* counter_;
  };

  // The current global epoch; memory unlinked now is tagged with it.
  [[nodiscard]] uint64_t Current() const { return epoch_.load(std::memory_order_seq_cst); }

  // Advances the global epoch by one if no operation pinned at Current() - 1 is still
  // running; returns the epoch after the attempt. Never waits.
  uint64_t TryAdvance();

  // True if memory tagged with `tag` (Current() when it was unlinked) can be freed.
  [[nodiscard]] bool SafeToFree(uint64_t tag) const { return Current() >= tag + 2; }

 private:
  static constexpr size_t kShards = 32;
  struct alignas(64) Shard {
    std::array<std::atomic<int64_t>, 2> active{};  // operations pinned, by epoch parity
  };
  static size_t ThisThreadShard();

  std::atomic<uint64_t> epoch_{2};
  std::array<Shard, kShards> shards_{};
};

}  // namespace babelwatch::detect
