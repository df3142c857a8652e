// Checking the Ed25519 signatures of a batch of entries on helper threads, so that the caller
// can do other work meanwhile: LogStore::ingest prepares its commit while its batch is checked,
// and a sync receiver commits batch n while batch n+1 is checked (replication/session.cc).
#pragma once

#include <atomic>
#include <cstddef>
#include <span>
#include <thread>
#include <vector>

#include "store/entry.h"

namespace mhero {

class SignatureCheck {
 public:
  /// Starts checking entries[i] for every i in `to_check` (indices into `entries`) on up to
  /// `helpers` threads (fewer for a small batch; 0 leaves all the work to finish()). The entries
  /// are not owned: they must outlive this object and not change. The destructor waits for the
  /// helpers.
  SignatureCheck(std::span<const Entry> entries, std::vector<size_t> to_check, unsigned helpers);
  /// Checks every entry of `entries`.
  SignatureCheck(std::span<const Entry> entries, unsigned helpers);
  ~SignatureCheck();
  SignatureCheck(const SignatureCheck&) = delete;
  SignatureCheck& operator=(const SignatureCheck&) = delete;

  /// Checks what is left on the calling thread and waits for the helpers. Idempotent.
  void finish();
  /// After finish(): false when entries[i] was checked and its signature does not verify for its
  /// author; true otherwise (also for an index not in `to_check`).
  bool valid(size_t i) const { return ok_[i] != 0; }
  /// True when this checks exactly `entries` (the same span: same first entry, same size).
  bool covers(std::span<const Entry> entries) const {
    return entries.data() == entries_.data() && entries.size() == entries_.size();
  }

 private:
  void work();

  std::span<const Entry> entries_;
  std::vector<size_t> to_check_;
  std::vector<char> ok_;  // Per entry (not per index checked), 1 = valid or not checked.
  std::atomic<size_t> next_{0};
  std::vector<std::jthread> helpers_;
};

}  // namespace mhero
