#include "bundle/exporter.h"

#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "bundle/atomic_file.h"
#include "bundle/body_writer.h"
#include "bundle/shelf.h"
#include "node/holding.h"
#include "node/peer_frontier.h"
#include "replication/peer_status.h"
#include "replication/batch.h"

namespace mhero::bundle {

namespace {

constexpr size_t kPlannerBatchBytes = 1u << 20;

// A part whose body sits in a temporary file until the number of parts is known.
struct PendingPart {
  Header header;
  std::filesystem::path body_path;
};

// What one more FeedRange adds to a part's front at most (bundle.capnp, canonical Cap'n Proto):
// its list element (two UInt64 and a pointer, 24 bytes), the FeedId struct (two pointers, 16),
// the 32-byte author and the scope text with its NUL, padded to a word.
uint64_t range_front_bytes(const FeedId& feed) { return 24 + 16 + 32 + (feed.scope.size() + 1 + 7) / 8 * 8; }

std::filesystem::path part_path(const std::filesystem::path& out, uint32_t k, uint32_t m) {
  if (m == 1) return out;
  std::filesystem::path p = out.parent_path() / out.stem();
  p += ".part" + std::to_string(k) + "of" + std::to_string(m);
  p += out.extension();
  return p;
}

class PartWriter {
 public:
  /// `key` signs the parts' fronts; the front of `templ` (no ranges yet) is measured once here.
  /// give_up_above > 0 (one part only): add() stops with resource_exhausted once the body
  /// written is over it.
  PartWriter(const ExportOptions& options, Header templ, const NodeKey& key, uint64_t give_up_above)
      : options_(options),
        templ_(std::move(templ)),
        empty_front_bytes_(encode_front(templ_, key).size()),
        give_up_above_(give_up_above) {}
  ~PartWriter() {
    for (auto& p : parts_) std::filesystem::remove(p.body_path, ec_);
    if (body_) std::filesystem::remove(current_.body_path, ec_);
  }

  Status add(const Entry& e) {
    if (!body_) MHERO_RETURN_IF_ERROR(open_part());
    if (too_small_) {  // Nothing more is written; each entry is measured alone in the empty part.
      MHERO_ASSIGN_OR_RETURN(uint64_t alone, part_bytes_with(e));
      largest_need_ = std::max(largest_need_, alone);
      return {};
    }
    if (options_.max_bytes > 0) {
      MHERO_ASSIGN_OR_RETURN(uint64_t need, part_bytes_with(e));
      if (need > options_.max_bytes && current_.header.entry_count > 0) {
        MHERO_RETURN_IF_ERROR(close_part());
        MHERO_RETURN_IF_ERROR(open_part());
        MHERO_ASSIGN_OR_RETURN(need, part_bytes_with(e));
      }
      if (need > options_.max_bytes) {  // Alone in a part, and still too large: finish() refuses,
        too_small_ = true;              // naming the size the largest entry needs.
        largest_need_ = std::max(largest_need_, need);
        if (first_too_large_.empty()) {
          first_too_large_ = e.feed().to_string() + " seq " + std::to_string(e.seq()) + " needs about " +
                             std::to_string(need) + " bytes";
        }
      }
    }
    if (too_small_) return {};
    MHERO_RETURN_IF_ERROR(writer_->add(e));
    if (give_up_above_ > 0 && writer_->written_bytes() > give_up_above_) {
      return resource_exhausted("the bundle is over " + std::to_string(give_up_above_) + " bytes whole");
    }
    auto& ranges = current_.header.ranges;
    if (!ranges.empty() && ranges.back().feed == e.feed() && ranges.back().last_seq + 1 == e.seq()) {
      ranges.back().last_seq = e.seq();
    } else {
      ranges.push_back({e.feed(), e.seq(), e.seq()});
    }
    ++current_.header.entry_count;
    return {};
  }

  // The current part's size with `e` added: an upper bound (plain sizes) while that is under
  // max_bytes or with split_by_plain_size; otherwise, near the limit, the body so far exactly
  // (flushed) plus `e` compressed on its own, plus a margin (the stream, with its history, does
  // better than that as a rule). finish() checks the outcome.
  Result<uint64_t> part_bytes_with(const Entry& e) {
    const uint64_t front = front_bytes_with(e);
    uint64_t need = writer_->written_bytes() + writer_->pending_bytes() + e.encoded_size() + 4 + 64 + front;
    if (need <= options_.max_bytes || options_.split_by_plain_size) return need;
    MHERO_RETURN_IF_ERROR(writer_->flush());
    std::string encoded = e.encode();
    scratch_.resize(std::max(scratch_.size(), ZSTD_compressBound(encoded.size())));
    size_t alone = ZSTD_compress(scratch_.data(), scratch_.size(), encoded.data(), encoded.size(), options_.zstd_level);
    uint64_t predicted = ZSTD_isError(alone) ? encoded.size() : alone + alone / options_.predicted_margin_divisor;
    return writer_->written_bytes() + writer_->pending_bytes() + predicted + 64 + 256 + front;
  }

  // Finishes the last part and writes every part file; returns them in order. A part predicted
  // to fit that came out over max_bytes is an error that sets oversize() (nothing is written
  // then; export_bundle() exports again with a wider margin, then by plain sizes).
  Result<std::vector<std::filesystem::path>> finish(const NodeKey& key, uint64_t* bytes) {
    if (too_small_) {
      return invalid_argument("--max-bytes " + std::to_string(options_.max_bytes) + " is too small: entry " +
                              first_too_large_ + " in a part of its own (compressed, with the bundle header), and "
                              "the largest entry of this export about " + std::to_string(largest_need_) +
                              ": give --max-bytes " + std::to_string(largest_need_) + " or more");
    }
    return finish_parts(key, bytes);
  }
  bool oversize() const { return oversize_; }

 private:
  Result<std::vector<std::filesystem::path>> finish_parts(const NodeKey& key, uint64_t* bytes) {
    if (!body_) MHERO_RETURN_IF_ERROR(open_part());  // An empty bundle still carries a header.
    MHERO_RETURN_IF_ERROR(close_part());
    auto m = static_cast<uint32_t>(parts_.size());
    std::vector<std::string> fronts;
    for (auto& part : parts_) {
      part.header.part_count = m;
      fronts.push_back(encode_front(part.header, key));
      if (options_.max_bytes > 0 && fronts.back().size() + part.header.body_bytes > options_.max_bytes) {
        oversize_ = true;
        return failed_precondition("part " + std::to_string(part.header.part_index) + " came out at " +
                                   std::to_string(fronts.back().size() + part.header.body_bytes) +
                                   " bytes, over --max-bytes");
      }
    }
    std::vector<std::filesystem::path> written;
    for (auto& part : parts_) {
      std::filesystem::path path = part_path(options_.out, part.header.part_index, m);
      const std::string& front = fronts[part.header.part_index - 1];
      Status s = write_file_atomically(path, [&](std::ostream& out) -> Status {
        out.write(front.data(), static_cast<std::streamsize>(front.size()));
        return append_file(out, part.body_path);
      });
      if (!s.ok()) {
        for (auto& w : written) std::filesystem::remove(w, ec_);
        return s;
      }
      uint64_t size = std::filesystem::file_size(path, ec_);
      *bytes += size;
      written.push_back(path);
    }
    return written;
  }

  // The current part's front with `e` added, an upper bound: the front measured without ranges,
  // the list's own word, each range, and one more for `e` unless it extends the last range.
  uint64_t front_bytes_with(const Entry& e) const {
    const auto& ranges = current_.header.ranges;
    uint64_t bytes = empty_front_bytes_ + 8;
    for (const auto& r : ranges) bytes += range_front_bytes(r.feed);
    bool extends = !ranges.empty() && ranges.back().feed == e.feed() && ranges.back().last_seq + 1 == e.seq();
    return extends ? bytes : bytes + range_front_bytes(e.feed());
  }

  Status open_part() {
    current_ = PendingPart{templ_, options_.out};
    current_.header.part_index = static_cast<uint32_t>(parts_.size() + 1);
    current_.body_path += ".body" + std::to_string(current_.header.part_index) + ".tmp";
    body_ = std::make_unique<std::ofstream>(current_.body_path, std::ios::binary | std::ios::trunc);
    if (!*body_) {
      int error = errno;
      auto dir = options_.out.parent_path().empty() ? std::filesystem::path(".") : options_.out.parent_path();
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        return failed_precondition("cannot write " + options_.out.string() + ": the folder " + dir.string() +
                                   " does not exist (is the USB stick mounted? `lsblk` lists it)");
      }
      return failed_precondition("cannot write " + options_.out.string() + " in " + dir.string() + ": " +
                                 std::strerror(error) + " (a full or read-only stick? not the node's user?)");
    }
    MHERO_ASSIGN_OR_RETURN(writer_, BodyWriter::start(options_.recipient.id, *body_, options_.zstd_level, options_.format_version));
    return {};
  }

  Status close_part() {
    MHERO_RETURN_IF_ERROR(writer_->finish());
    body_->close();
    if (!*body_) return failed_precondition("cannot write " + current_.body_path.string() + " (disk full?)");
    current_.header.body_bytes = writer_->written_bytes();
    current_.header.body_hash = writer_->hash();
    current_.header.plain_bytes = writer_->plain_bytes();
    writer_.reset();
    body_.reset();
    parts_.push_back(std::move(current_));
    return {};
  }

  const ExportOptions& options_;
  Header templ_;
  uint64_t empty_front_bytes_;  // encode_front(templ_): fixed-size fields make it every part's, less ranges.
  uint64_t give_up_above_;
  PendingPart current_;
  std::unique_ptr<std::ofstream> body_;
  std::unique_ptr<BodyWriter> writer_;
  std::vector<PendingPart> parts_;
  std::string scratch_;  // An entry compressed on its own, for the size prediction in add().
  bool oversize_ = false;
  bool too_small_ = false;        // An entry does not fit a part of its own.
  uint64_t largest_need_ = 0;     // Then: the most any entry needs alone in a part.
  std::string first_too_large_;   // "<feed> seq <n> needs about <bytes> bytes".
  std::error_code ec_;
};

// One export; *oversize when a part predicted to fit came out over max_bytes (nothing written).
// give_up_above: see PartWriter.
Result<ExportReport> export_once(Node& node, const ExportOptions& options, bool* oversize,
                                 uint64_t give_up_above = 0) {
  const PeerProfile& to = options.recipient;
  if (to.id == node.id()) return invalid_argument("a bundle cannot be addressed to this node itself");
  LogStore& store = node.store();
  ExportReport report;
  if (!options.full) {
    // Receipts, bundles and sync sessions: entries a session already gave the recipient are
    // not carried again on the stick.
    MHERO_ASSIGN_OR_RETURN(report.base, known_peer_frontier(store, to.id));
  }
  auto wanted = [&](const FeedId& feed) {
    return may_hold(to.role, to.district, feed) && (options.full || feed.author != to.id);
  };
  // The frontier is read before the cursor's snapshot, so covers never claims more than is sent.
  const Frontier held = store.frontier();
  for (const auto& [feed, seq] : held.feeds()) {
    // The recipient's own feeds are named too, sent or not: a restored recipient learns from
    // covers how far this node holds them (importer.cc learn_own_heads).
    if (wanted(feed) || (feed.author == to.id && may_hold(to.role, to.district, feed))) report.covers.set(feed, seq);
  }
  random_bytes(report.bundle_id.data(), report.bundle_id.size());

  Header templ;
  templ.bundle_id = report.bundle_id;
  templ.sender = node.id();
  templ.recipient = to.id;
  templ.created_at_ms = node.clock().now().count();
  report.created_at_ms = templ.created_at_ms;
  templ.base = report.base;
  templ.covers = report.covers;
  if (options.format_version < kMinFormatVersion || options.format_version > kFormatVersion) {
    return invalid_argument("bundle format version " + std::to_string(options.format_version) +
                            " cannot be written (this program writes " + std::to_string(kMinFormatVersion) +
                            " to " + std::to_string(kFormatVersion) + ")");
  }
  templ.format_version = options.format_version;

  PartWriter parts(options, templ, node.key(), give_up_above);
  // Same selection and order as an online sync: urgent messages first, national feeds first.
  MHERO_ASSIGN_OR_RETURN(auto planner, BatchPlanner::plan(store, report.base, wanted));
  while (true) {
    MHERO_ASSIGN_OR_RETURN(std::vector<Entry> batch, planner->next(kPlannerBatchBytes));
    if (batch.empty()) break;
    for (const Entry& e : batch) MHERO_RETURN_IF_ERROR(parts.add(e));
    report.entry_count += batch.size();
  }
  auto written = parts.finish(node.key(), &report.bytes);
  *oversize = parts.oversize();
  if (!written.ok()) return written.status();
  report.parts = std::move(written).value();
  return report;
}

// Copies beside the parts the relayed bundles this node holds for others, that the recipient may
// carry (DESIGN.md "USB bundles"), and drops those receipted or too old (with a warning).
Status add_relayed(Node& node, const ExportOptions& options, ExportReport& report) {
  const PeerProfile& to = options.recipient;
  LogStore& store = node.store();
  Shelf relay(node.paths().dir / "relay");
  for (const ShelvedFile& file : relay.list()) {
    if (file.header.recipient != to.id && to.role != Role::central) continue;
    if (file.header.sender == to.id) continue;  // Never carried back to the node that wrote it.
    MHERO_ASSIGN_OR_RETURN(bool arrived, receipt_seen(store.views(), file.header.id_hex(), file.header.recipient));
    if (arrived) {
      relay.drop(file.path);  // Its recipient has receipted it: nothing left to carry.
      continue;
    }
    int64_t age_ms = node.clock().now().count() - file.header.created_at_ms;
    if (age_ms > kRelayMaxAge.count()) {
      relay.drop(file.path);
      report.warnings.push_back(
          "dropped relayed bundle " + file.path.filename().string() + " (from node " + file.header.sender.hex() +
          " for node " + file.header.recipient.hex() + "): written " + std::to_string(age_ms / 86'400'000) +
          " days ago and never receipted by its recipient, which may never have been enrolled. What it carried "
          "reaches the central node with its sender's own exports and syncs; if that node is meant to get it, "
          "enroll it at the central node (`mhero enroll`) and export from its sender again");
      continue;
    }
    std::filesystem::path target = options.out.parent_path() / options.out.stem();
    target += ".relay-" + file.path.filename().string();
    MHERO_RETURN_IF_ERROR(copy_file_atomically(file.path, target));
    report.relayed.push_back(target);
  }
  return {};
}

// export_once, again when a part predicted to fit came out over max_bytes.
Result<ExportReport> export_split(Node& node, const ExportOptions& options) {
  bool oversize = false;
  auto report = export_once(node, options, &oversize);
  if (report.ok() || !oversize || options.split_by_plain_size) return report;
  ExportOptions wider = options;  // A prediction fell short (rare): a wider margin, then the
  wider.predicted_margin_divisor = 4;  // bound that always holds.
  report = export_once(node, wider, &oversize);
  if (report.ok() || !oversize) return report;
  wider.split_by_plain_size = true;
  return export_once(node, wider, &oversize);
}

// The bundle as export_split cuts it; but one of a few parts, or one refused as too small, may
// still fit --max-bytes whole, its entries compressed together (the sizes that cut parts are
// bounds, each entry compressed on its own): then it is written whole, as one part. The whole
// attempt stops once over max_bytes, and is written beside `out`, renamed over it only when it fits.
Result<ExportReport> export_fitted(Node& node, const ExportOptions& options) {
  auto split = export_split(node, options);
  bool small = split.ok() ? split->parts.size() > 1 && split->bytes <= 3 * options.max_bytes
                          : split.status().code() == StatusCode::invalid_argument;
  if (options.max_bytes == 0 || !small) return split;
  ExportOptions whole = options;
  whole.max_bytes = 0;
  whole.out += ".whole.tmp";
  bool oversize = false;
  auto one = export_once(node, whole, &oversize, options.max_bytes);  // Never compresses much more than that.
  std::error_code ec;
  if (!one.ok() || one->bytes > options.max_bytes) {
    if (one.ok()) std::filesystem::remove(whole.out, ec);
    return split;
  }
  std::filesystem::rename(whole.out, options.out, ec);
  if (ec) {
    std::filesystem::remove(whole.out, ec);
    return split;
  }
  if (split.ok()) {
    for (const auto& p : split->parts) std::filesystem::remove(p, ec);
  }
  one->parts = {options.out};
  return one;
}

}  // namespace

Result<ExportReport> export_bundle(Node& node, const ExportOptions& options) {
  MHERO_ASSIGN_OR_RETURN(ExportReport report, export_fitted(node, options));
  MHERO_RETURN_IF_ERROR(add_relayed(node, options, report));
  return report;
}

}  // namespace mhero::bundle

