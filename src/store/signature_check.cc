#include "store/signature_check.h"

#include <algorithm>
#include <numeric>

namespace mhero {

namespace {

// Entries a thread takes at a time. Small, so that a helper descheduled in the middle of its
// chunk (two cores shared with the network and the sender) holds the batch back by at most
// ~0.4 ms (8 verifications of ~50 us).
constexpr size_t kChunk = 8;

std::vector<size_t> all_of(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

}  // namespace

SignatureCheck::SignatureCheck(std::span<const Entry> entries, std::vector<size_t> to_check, unsigned helpers)
    : entries_(entries), to_check_(std::move(to_check)), ok_(entries.size(), 1) {
  size_t chunks = (to_check_.size() + kChunk - 1) / kChunk;
  // A thread costs ~50 us to start: not worth it for fewer than two chunks of its own.
  size_t n = std::min<size_t>(helpers, chunks / 2);
  for (size_t t = 0; t < n; ++t) helpers_.emplace_back([this] { work(); });
}

SignatureCheck::SignatureCheck(std::span<const Entry> entries, unsigned helpers)
    : SignatureCheck(entries, all_of(entries.size()), helpers) {}

SignatureCheck::~SignatureCheck() { finish(); }

void SignatureCheck::finish() {
  work();
  helpers_.clear();  // Joins.
}

void SignatureCheck::work() {
  while (true) {
    size_t begin = next_.fetch_add(kChunk);
    if (begin >= to_check_.size()) return;
    size_t end = std::min(to_check_.size(), begin + kChunk);
    for (size_t i = begin; i < end; ++i) ok_[to_check_[i]] = entries_[to_check_[i]].signature_valid() ? 1 : 0;
  }
}

}  // namespace mhero
