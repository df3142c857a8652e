#include "node/key_rotation.h"

#include <capnp/message.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "node/admission.h"
#include "node/data_modes.h"
#include "node/node.h"
#include "store/entry.h"
#include "store/log_store.h"
#include "store/scope.h"
#include "util/capnp_text.h"

namespace mhero {

namespace {

constexpr std::string_view kProofDomain = "mhero key rotation v1\n";
constexpr std::string_view kRetiredPrefix = "node.key.retired-";

capnp::Data::Reader data_of(const NodeId& id) { return capnp::Data::Reader(id.bytes.data(), id.bytes.size()); }

// The store prefixes admission errors with the feed and seq ("feed 1a2b3c4d/national seq 7: ").
std::string where(const Entry&) { return "keyRotation"; }

// A revocation of `key` with successor, valid through this store's frontier of key's feeds,
// appended by `signer` to `national`.
Status append_retirement(LogStore& store, const NodeKey& signer, const NodeId& key, const NodeId& successor) {
  std::vector<std::pair<FeedId, uint64_t>> held;
  const Frontier frontier = store.frontier();
  for (const auto& [feed, seq] : frontier.feeds()) {
    if (feed.author == key) held.emplace_back(feed, seq);
  }
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Payload>().initRevocation();
  r.setNodeKey(data_of(key));
  r.setReason("retired after key rotation to " + successor.hex());
  r.setSuccessor(data_of(successor));
  auto list = r.initValidThrough(static_cast<unsigned>(held.size()));
  for (size_t i = 0; i < held.size(); ++i) {
    auto fs = list[static_cast<unsigned>(i)];
    fs.initFeed().setAuthor(data_of(key));
    fs.getFeed().setScope(held[i].first.scope);
    fs.setSeq(held[i].second);
  }
  return store.append(signer, kNationalScope, message.getRoot<schema::Payload>().asReader()).status();
}

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failed_precondition("cannot open " + dir.string() + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return failed_precondition("cannot fsync " + dir.string() + ": " + std::strerror(errno));
  return {};
}

Status rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) return failed_precondition("cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
  return {};
}

}  // namespace

std::string rotation_proof_message(const NodeId& old_key, const NodeId& new_key, std::string_view scope,
                                   int64_t overlap_ms) {
  std::string out(kProofDomain);
  out.append(old_key.view());
  out.append(new_key.view());
  out.append(scope);
  auto v = static_cast<uint64_t>(overlap_ms);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

Status check_key_rotation(const Entry& entry, const ViewReader& state) {
  auto in = entry.payload().getKeyRotation();
  const NodeId& author = entry.feed().author;
  auto old_key = NodeId::from_bytes(data_view(in.getOldKey()));
  if (!old_key || *old_key != author) {
    return permission_denied(where(entry) + " names old key " + (old_key ? old_key->hex() : std::string("(not 32 bytes)")) +
                             ", but is signed by " + author.hex() + ": a key may hand over only itself");
  }
  auto new_key = NodeId::from_bytes(data_view(in.getNewKey()));
  if (!new_key) return permission_denied(where(entry) + " does not name a 32-byte new key");
  if (*new_key == *old_key) return permission_denied(where(entry) + " names the old key as the new key");
  auto proof = in.getNewKeyProof();
  std::string message = rotation_proof_message(*old_key, *new_key, entry.feed().scope, in.getOverlapMs());
  if (!verify_signature(*new_key, message, data_view(proof))) {
    return permission_denied(where(entry) + ": the new key " + new_key->hex() +
                             " did not sign it (its proof of possession does not verify): a forged or altered "
                             "announcement; refused");
  }
  if (in.getOverlapMs() < 0 || in.getOverlapMs() > kMaxOverlapMs) {
    return permission_denied(where(entry) + ": overlap " + std::to_string(in.getOverlapMs()) +
                             " ms is outside [0, " + std::to_string(kMaxOverlapMs) + "]");
  }
  if (entry.feed().scope == kNationalScope) {
    MHERO_ASSIGN_OR_RETURN(auto record, find_central_key(state, *old_key));
    if (record && record->successor) {
      return permission_denied(where(entry) + ": central key " + old_key->hex() + " already handed over to " +
                               record->successor->hex() + "; one rotation at a time");
    }
  } else {
    MHERO_ASSIGN_OR_RETURN(auto pending, find_announcement(state, *old_key));
    if (pending) {
      return permission_denied(where(entry) + ": key " + old_key->hex() + " already announced a rotation to " +
                               pending->new_key.hex() + "; one rotation at a time");
    }
  }
  MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(state, *new_key));
  MHERO_ASSIGN_OR_RETURN(auto central, find_central_key(state, *new_key));
  if (enrolled || central) {
    return permission_denied(where(entry) + ": the new key " + new_key->hex() + " is already in use by a node");
  }
  return {};
}

std::filesystem::path next_key_path(const std::filesystem::path& dir) { return dir / "node.key.next"; }

std::filesystem::path retired_key_path(const std::filesystem::path& dir, const NodeId& old_key) {
  return dir / (std::string(kRetiredPrefix) + old_key.hex().substr(0, 16));
}

std::vector<std::filesystem::path> retired_key_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(kRetiredPrefix, 0) == 0) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<RotationStarted> start_key_rotation(Node& node, int64_t overlap_ms) {
  if (overlap_ms < 0 || overlap_ms > kMaxOverlapMs) {
    return invalid_argument("--overlap " + std::to_string(overlap_ms / 1000) + " s is outside [0, 366 days]");
  }
  const std::filesystem::path dir = node.paths().dir;
  const std::filesystem::path next = next_key_path(dir);
  if (std::filesystem::exists(next)) {
    return failed_precondition(
        "a key rotation is pending: " + next.string() + " holds the announced new key; " +
        (node.config().role == Role::district
             ? "it takes over once this node holds the central node's enrollment of it (sync with central, or "
               "import a bundle from central, then restart). "
             : "it takes over at the end of the overlap window or with `mhero key retire-old`. ") +
        "Nothing changed");
  }
  auto kept = retired_key_files(dir);
  if (!kept.empty()) {
    return failed_precondition("the previous key rotation is not finished: " + kept.front().string() +
                               " keeps the old key until the central node retires it (at the end of its overlap "
                               "window, or `mhero key retire-old` on central) and this node holds that retirement. "
                               "Nothing changed");
  }
  const ViewReader& views = node.store().views();
  if (node.config().role == Role::district) {
    MHERO_ASSIGN_OR_RETURN(auto announced, find_announcement(views, node.id()));
    if (announced) {
      return failed_precondition("a key rotation is pending: this key already announced " + announced->new_key.hex() +
                                 " in " + announced->scope + ", but " + next.string() +
                                 " is missing (restore it from a backup). Nothing changed");
    }
  } else {
    MHERO_ASSIGN_OR_RETURN(auto record, find_central_key(views, node.id()));
    if (record && record->successor) {
      return failed_precondition("a key rotation is pending: this central key already handed over to " +
                                 record->successor->hex() + ", but " + next.string() +
                                 " is missing (restore it from a backup). Nothing changed");
    }
  }
  MHERO_ASSIGN_OR_RETURN(NodeKey fresh, NodeKey::create_file(next));
  const std::string scope = node.own_scope();
  capnp::MallocMessageBuilder message;
  auto r = message.initRoot<schema::Payload>().initKeyRotation();
  r.setOldKey(data_of(node.id()));
  r.setNewKey(data_of(fresh.id()));
  Signature proof = fresh.sign(rotation_proof_message(node.id(), fresh.id(), scope, overlap_ms));
  r.setNewKeyProof(capnp::Data::Reader(proof.data(), proof.size()));
  r.setOverlapMs(overlap_ms);
  auto written = node.store().append(node.key(), scope, message.getRoot<schema::Payload>().asReader());
  if (!written.ok()) {
    std::filesystem::remove(next);
    return written.status();
  }
  return RotationStarted{node.id(), fresh.id(), scope, written->seq(), next};
}

Result<std::vector<std::string>> follow_rotations(LogStore& store, const NodeKey& central, const NodeConfig& config,
                                                  int64_t now_ms, std::optional<NodeId> retire_now) {
  std::vector<std::string> done;
  if (config.role != Role::central) return done;
  static std::mutex mu;  // Concurrent sessions of one process must not enroll or retire twice.
  std::lock_guard lock(mu);
  std::vector<RotationAnnouncement> announced;
  MHERO_RETURN_IF_ERROR(for_each_announcement(store.views(), [&](const RotationAnnouncement& a) {
    announced.push_back(a);
    return true;
  }));
  for (const RotationAnnouncement& a : announced) {
    MHERO_ASSIGN_OR_RETURN(auto old_record, find_enrolled(store.views(), a.old_key));
    MHERO_ASSIGN_OR_RETURN(auto new_record, find_enrolled(store.views(), a.new_key));
    auto code = district_of_scope(a.scope);
    if (new_record || !old_record || old_record->revoked || !code || *code != old_record->district) continue;
    capnp::MallocMessageBuilder message;
    auto e = message.initRoot<schema::Payload>().initEnrollment();
    e.setNodeKey(data_of(a.new_key));
    e.setDistrictCode(old_record->district);
    e.setLabel(old_record->label);
    e.setReplaces(data_of(a.old_key));
    e.setOverlapUntilMs(now_ms + a.overlap_ms);
    MHERO_RETURN_IF_ERROR(store.append(central, kNationalScope, message.getRoot<schema::Payload>().asReader()).status());
    done.push_back("enrolled " + a.new_key.hex() + " for district/" + old_record->district + " in place of " +
                   a.old_key.hex() + " (both accepted until " + std::to_string(now_ms + a.overlap_ms) + " ms)");
  }
  std::vector<EnrolledKey> due;
  MHERO_RETURN_IF_ERROR(for_each_enrolled(store.views(), [&](const EnrolledKey& k) {
    if (k.replaces && !k.revoked && (k.overlap_until_ms <= now_ms || retire_now == k.replaces)) due.push_back(k);
    return true;
  }));
  for (const EnrolledKey& k : due) {
    MHERO_ASSIGN_OR_RETURN(auto old_record, find_enrolled(store.views(), *k.replaces));
    if (!old_record || old_record->revoked) continue;
    MHERO_RETURN_IF_ERROR(append_retirement(store, central, *k.replaces, k.key));
    done.push_back("retired " + k.replaces->hex() + " (rotated to " + k.key.hex() + ")");
  }
  return done;
}

Status rewrite_central_key(const std::filesystem::path& path, const NodeId& key) {
  std::ifstream in(path);
  if (!in) return not_found("cannot read " + path.string());
  std::ostringstream out;
  std::string line;
  bool in_node = false, replaced = false;
  while (std::getline(in, line)) {
    std::string trimmed = line.substr(std::min(line.size(), line.find_first_not_of(" \t")));
    if (!trimmed.empty() && trimmed[0] == '[') in_node = trimmed.rfind("[node]", 0) == 0;
    if (in_node && !replaced && trimmed.rfind("central_key", 0) == 0) {
      out << "central_key = \"" << key.hex() << "\"   # pinned central node id (hex); updated by a key hand-over\n";
      replaced = true;
      continue;
    }
    out << line << "\n";
  }
  in.close();
  if (!replaced) return failed_precondition(path.string() + " has no [node] central_key line to update");
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f.close();
    MHERO_RETURN_IF_ERROR(make_private(tmp));
    f.open(tmp, std::ios::trunc);
    f << out.str();
    f.flush();
    if (!f) return failed_precondition("cannot write " + tmp.string());
  }
  MHERO_RETURN_IF_ERROR(rename_file(tmp, path));
  return sync_directory(path.parent_path());
}

// ---------------------------------------------------------------------------------------------
// Node's part (node/node.h).

const NodeKey* Node::key_for(const NodeId& id) const {
  if (id == key_.id()) return &key_;
  for (const NodeKey& k : other_keys_) {
    if (k.id() == id) return &k;
  }
  return nullptr;
}

Result<std::vector<std::string>> Node::finish_key_rotation(bool force) {
  std::vector<std::string> done;
  const std::filesystem::path dir = paths_.dir;
  const std::filesystem::path next = next_key_path(dir);
  const ViewReader& views = store_->views();
  if (std::filesystem::exists(next)) {
    MHERO_ASSIGN_OR_RETURN(NodeKey fresh, NodeKey::load_file(next));
    bool due = false;
    if (config_.role == Role::district) {
      MHERO_ASSIGN_OR_RETURN(auto enrolled, find_enrolled(views, fresh.id()));
      due = enrolled && !enrolled->revoked && enrolled->replaces == key_.id();
    } else {
      MHERO_ASSIGN_OR_RETURN(auto record, find_central_key(views, key_.id()));
      due = record && record->successor == fresh.id() &&
            (force || clock_.now().count() >= record->announced_ms + record->overlap_ms);
    }
    if (due) {
      const NodeId old_id = key_.id();
      const std::filesystem::path kept = retired_key_path(dir, old_id);
      MHERO_RETURN_IF_ERROR(rename_file(paths_.key(), kept));
      MHERO_RETURN_IF_ERROR(rename_file(next, paths_.key()));
      MHERO_RETURN_IF_ERROR(sync_directory(dir));
      other_keys_.push_back(key_);
      key_ = fresh;
      admission_->set_own(key_.id());
      done.push_back("switched to the new key " + key_.id().hex() + "; the old key is kept in " + kept.string() +
                     " until it is retired");
      if (config_.role == Role::central) {
        MHERO_RETURN_IF_ERROR(rewrite_central_key(paths_.config(), key_.id()));
        config_.central_key = key_.id();
        admission_->set_central(key_.id());
        MHERO_RETURN_IF_ERROR(append_retirement(*store_, key_, old_id, key_.id()));
        std::filesystem::remove(kept);
        done.push_back("retired the old central key " + old_id.hex() + " (its entries so far stay valid)");
      }
    } else {
      other_keys_.push_back(fresh);
    }
  }
  for (const auto& file : retired_key_files(dir)) {
    MHERO_ASSIGN_OR_RETURN(NodeKey old, NodeKey::load_file(file));
    if (old.id() == key_.id()) continue;
    MHERO_ASSIGN_OR_RETURN(auto record, find_enrolled(views, old.id()));
    MHERO_ASSIGN_OR_RETURN(auto central, find_central_key(views, old.id()));
    bool retired = (record && record->revoked) || (central && central->retired);
    if (retired) {
      std::filesystem::remove(file);
      other_keys_.erase(std::remove_if(other_keys_.begin(), other_keys_.end(),
                                       [&](const NodeKey& k) { return k.id() == old.id(); }),
                        other_keys_.end());
      done.push_back("the old key " + old.id().hex() + " is retired; deleted " + file.string());
    } else if (!key_for(old.id())) {
      other_keys_.push_back(old);
    }
  }
  if (config_.role == Role::district && config_.central_key) {
    MHERO_ASSIGN_OR_RETURN(NodeId newest, current_central_key(views, *config_.central_key));
    if (newest != *config_.central_key) {
      MHERO_RETURN_IF_ERROR(rewrite_central_key(paths_.config(), newest));
      done.push_back("pinned the central node's new key " + newest.hex() + " (hand-over from " +
                     config_.central_key->hex() + ")");
      config_.central_key = newest;
      admission_->set_central(newest);
    }
  }
  return done;
}

}  // namespace mhero
