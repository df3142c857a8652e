#include "fleet/node_health.h"

#include <sys/statvfs.h>

#include "fleet/arrival_log.h"
#include "node/peer_frontier.h"
#include "replication/peer_status.h"
#include "util/bytes.h"

#ifndef MHERO_VERSION
#error "MHERO_VERSION must be defined by the build (src/meson.build)"
#endif

namespace mhero::fleet {

std::string software_version() { return MHERO_VERSION; }

const char* contact_via_name(ContactVia via) {
  switch (via) {
    case ContactVia::none: return "none";
    case ContactVia::session: return "session";
    case ContactVia::bundle: return "bundle";
  }
  return "?";
}

namespace {

// last_contact and clock_offset over sessions already read (measure_health reads them once:
// each read parses every kept session fact of the peer).
Contact last_contact_from(const LogStore& store, const NodeId& peer, const std::vector<SessionFact>& sessions) {
  Contact c;
  for (const SessionFact& s : sessions) {
    if (!s.ok()) continue;
    c.at_ms = s.ended_ms;
    c.via = ContactVia::session;
    c.bytes_in = s.bytes_in;
    c.bytes_out = s.bytes_out;
    c.entries_sent = s.entries_sent;
    c.entries_received = s.entries_received;
    c.address = s.address;
    break;  // Newest first.
  }
  for (const PeerRecord& p : load_peer_records(store)) {
    if (p.node == peer && p.last_success_ms > c.at_ms) {
      c = Contact{};
      c.at_ms = p.last_success_ms;
      c.via = ContactVia::session;
      c.address = p.address;
      c.entries_sent = p.entries_sent;
      c.entries_received = p.entries_received;
    }
  }
  auto bundles = read_bundles(store, peer);
  if (!bundles.empty() && bundles.front().imported_ms > c.at_ms) {
    const BundleFact& b = bundles.front();
    c = Contact{};
    c.at_ms = b.imported_ms;
    c.via = ContactVia::bundle;
    c.bundle_id = b.bundle_id;
    c.exported_ms = b.exported_ms;
    c.relayed_by = b.relayed_by;
    c.entries_received = b.entries_new;
  }
  return c;
}

std::optional<int64_t> clock_offset_from(const std::vector<SessionFact>& sessions) {
  for (const SessionFact& s : sessions) {
    if (s.clock_offset_ms) return s.clock_offset_ms;
  }
  return std::nullopt;
}

}  // namespace

Contact last_contact(const LogStore& store, const NodeId& peer) {
  return last_contact_from(store, peer, read_sessions(store, peer));
}

Result<uint64_t> pending_for(const LogStore& store, const NodeId& self, const NodeId& peer) {
  MHERO_ASSIGN_OR_RETURN(Frontier theirs, known_peer_frontier(store, peer));
  uint64_t pending = 0;
  const Frontier mine = store.frontier();
  for (const auto& [feed, seq] : mine.feeds()) {
    if (feed.author == self && seq > theirs.get(feed)) pending += seq - theirs.get(feed);
  }
  return pending;
}

std::optional<int64_t> clock_offset(const LogStore& store, const NodeId& peer) {
  return clock_offset_from(read_sessions(store, peer));
}

namespace {

uint64_t directory_bytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      uint64_t size = it->file_size(size_ec);
      if (!size_ec) total += size;  // A file RocksDB removed meanwhile counts as 0.
    }
  }
  return total;
}

}  // namespace

Result<NodeHealth> measure_health(Node& node) {
  NodeHealth h;
  struct statvfs fs {};
  if (::statvfs(node.paths().db().c_str(), &fs) != 0) {
    return failed_precondition("cannot read the free space of " + node.paths().db().string());
  }
  h.free_disk_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  h.store_bytes = directory_bytes(node.paths().db());
  h.version = software_version();
  const NodeConfig& config = node.config();
  if (config.role == Role::district && config.central_key) {
    PeerHealth p;
    p.peer = *config.central_key;
    std::vector<SessionFact> sessions = read_sessions(node.store(), p.peer);
    p.contact = last_contact_from(node.store(), p.peer, sessions);
    MHERO_ASSIGN_OR_RETURN(p.pending, pending_for(node.store(), node.id(), p.peer));
    p.clock_offset_ms = clock_offset_from(sessions);
    h.pending_to_central = p.pending;
    h.clock_offset_ms = p.clock_offset_ms;
    h.peers.push_back(std::move(p));
  }
  return h;
}

void to_capnp(const NodeHealth& h, const std::string& reason, schema::NodeStatus::Builder out) {
  out.setFreeDiskBytes(h.free_disk_bytes);
  out.setStoreBytes(h.store_bytes);
  out.setPendingEntryCount(h.pending_to_central);
  out.setClockOffsetMs(h.clock_offset_ms.value_or(0));
  out.setVersion(h.version);
  out.setReason(reason);
  auto peers = out.initPeers(static_cast<unsigned>(h.peers.size()));
  for (unsigned i = 0; i < h.peers.size(); ++i) {
    const PeerHealth& p = h.peers[i];
    auto b = peers[i];
    b.setPeer(capnp::Data::Reader(p.peer.bytes.data(), p.peer.bytes.size()));
    b.setLastContactMs(p.contact.at_ms);
    b.setVia(p.contact.via == ContactVia::session  ? schema::PeerContact::ContactVia::SESSION
             : p.contact.via == ContactVia::bundle ? schema::PeerContact::ContactVia::BUNDLE
                                                   : schema::PeerContact::ContactVia::NONE);
    if (auto id = from_hex(p.contact.bundle_id); id && !id->empty()) {
      b.setBundleId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id->data()), id->size()));
    }
    b.setPendingEntryCount(p.pending);
    b.setClockOffsetMs(p.clock_offset_ms.value_or(0));
  }
}

}  // namespace mhero::fleet
