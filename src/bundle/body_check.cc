#include "bundle/body_check.h"

#include <fstream>

#include "bundle/body_reader.h"

namespace mhero::bundle {

Result<BodySummary> verify_body(const CheckedFile& file, const NodeKey& key) {
  std::string name = file.path.string();
  if (key.id() != file.header.recipient) {
    return failed_precondition(name + ": addressed to " + file.header.recipient.hex() +
                               ", not to this node; only the recipient can read the body");
  }
  std::ifstream in(file.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(file.body_offset));
  BodySummary summary;
  const auto& ranges = file.header.ranges;
  size_t range = 0;
  uint64_t expect_seq = ranges.empty() ? 0 : ranges[0].first_seq;
  std::optional<Hash256> prev_id;
  MHERO_RETURN_IF_ERROR(read_body(in, file.header.body_bytes, key, file.header.format_version, name, [&](Entry&& e, uint64_t) -> Status {
    std::string where = name + ": entry " + std::to_string(summary.entries + 1) + " (" + e.feed().to_string() +
                        " seq " + std::to_string(e.seq()) + ")";
    if (!e.signature_valid()) return corruption(where + ": signature does not verify");
    if (range < ranges.size() && expect_seq > ranges[range].last_seq) {
      ++range;
      prev_id.reset();
      if (range < ranges.size()) expect_seq = ranges[range].first_seq;
    }
    if (range >= ranges.size() || ranges[range].feed != e.feed() || e.seq() != expect_seq) {
      return corruption(where + ": not where the header's feed ranges say");
    }
    if (prev_id && e.prev() != *prev_id) return corruption(where + ": prev is not the id of the entry before");
    prev_id = e.id();
    ++expect_seq;
    ++summary.entries;
    summary.plain_bytes += e.encoded_size();
    return {};
  }));
  if (summary.entries != file.header.entry_count) {
    return corruption(name + ": the body holds " + std::to_string(summary.entries) +
                      " entries, the header says " + std::to_string(file.header.entry_count));
  }
  return summary;
}

}  // namespace mhero::bundle
