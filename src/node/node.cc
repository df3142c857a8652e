#include "node/node.h"

#include <spdlog/spdlog.h>

#include <fstream>
#include <thread>

#include "node/admission.h"
#include "node/data_modes.h"
#include "node/enrollment.h"
#include "node/store_origin.h"
#include "store/log_store.h"
#include "store/scope.h"
#include "util/clock.h"

namespace mhero {

namespace {

// What to do when a node's key is gone and its store or config is not.
std::string missing_key_advice(const NodePaths& paths) {
  return ": its key " + paths.key().string() + " is missing. Restore node.key from a backup (README \"Backup "
         "and restore\"); `mhero init` never makes a new key over an existing node. If the key is lost for "
         "good, make a new node in a new directory and have the central node revoke the old key and enroll the "
         "new one";
}

}  // namespace

Result<NodeId> Node::init(const NodePaths& paths, Role role, const std::string& district,
                          std::optional<NodeId> central_key) {
  if (role == Role::district) {
    if (district.empty()) {
      return invalid_argument("a district node needs --district CODE (its location code)");
    }
    if (!central_key) {
      return invalid_argument(
          "a district node needs --central-key KEY (run `mhero id` on the central node)");
    }
  }
  if (!district.empty() && !valid_district_code(district)) {
    return invalid_argument("district code \"" + district +
                            "\" may hold only letters, digits, '-', '_' and '.'");
  }
  MHERO_RETURN_IF_ERROR(check_data_owner(paths.dir));
  std::error_code ec;
  std::filesystem::create_directories(paths.dir, ec);
  if (ec) return failed_precondition("cannot create " + paths.dir.string() + ": " + ec.message());
  // Any part of a node refuses: a new key over an existing store or config would sign a
  // different identity's entries into it (a fresh-clone trial ran init where only node.key was
  // missing, and its district node silently became a new central one).
  for (const auto& part : {paths.key(), paths.config(), paths.db()}) {
    if (!std::filesystem::exists(part)) continue;
    return already_exists(part.string() + " already exists; this directory already holds a node" +
                          (std::filesystem::exists(paths.key()) ? std::string()
                                                                : missing_key_advice(paths)));
  }
  MHERO_RETURN_IF_ERROR(make_private(paths.dir));  // data_modes.h: 0700, files 0600.
  MHERO_ASSIGN_OR_RETURN(NodeKey key, NodeKey::create_file(paths.key()));
  NodeId central = role == Role::central ? key.id() : *central_key;
  std::ofstream config(paths.config());
  config.close();  // Empty, made private, then filled: the tokens it will hold never sit at 0644.
  MHERO_RETURN_IF_ERROR(make_private(paths.config()));
  config.open(paths.config());
  config << NodeConfig::initial_text(role, district, central);
  config.close();
  if (!config) return failed_precondition("cannot write " + paths.config().string());
  {  // The store is made now, so open() can tell a node whose store was lost from a new one.
    SystemClock clock;
    MHERO_ASSIGN_OR_RETURN(auto store, LogStore::open(paths.db(), clock, StoreOptions{}));
    MHERO_ASSIGN_OR_RETURN(StoreOrigin origin, current_store_origin(paths.db()));
    MHERO_RETURN_IF_ERROR(check_store_origin(*store, origin).status());
  }
  MHERO_RETURN_IF_ERROR(make_private(paths.db()));
  // Under a loose umask (a library caller; `mhero` sets 077) RocksDB's first files are 0644.
  for (const auto& made : std::filesystem::recursive_directory_iterator(paths.db(), ec)) {
    MHERO_RETURN_IF_ERROR(make_private(made.path()));
  }
  if (ec) return failed_precondition("cannot list " + paths.db().string() + ": " + ec.message());
  return key.id();
}

namespace {

// [node] role, district and central_key against the key and what this key has written: a central
// node pins itself, a district pins another key, and this key's feeds all carry the configured
// scope. Errors: failed_precondition naming the key, the value and the fix.
Status check_config_matches_store(Node& node) {
  const NodeConfig& config = node.config();
  const NodeKey& key = node.key();
  const std::string where = node.paths().config().string() + " [node]";
  if (config.role == Role::central && config.central_key && !node.key_for(*config.central_key)) {
    return failed_precondition(
        where + " says role = \"central\" but central_key " + config.central_key->hex() + " is not this node's key (" +
        key.id().hex() + "): a central node's central_key is its own id. Put back the role and central_key this "
        "node was made with (`mhero init` wrote them); nothing was changed");
  }
  if (config.role == Role::district && config.central_key && node.key_for(*config.central_key)) {
    return failed_precondition(
        where + " says role = \"district\" but central_key is this node's own key " + key.id().hex() +
        ": a district pins the central node's id. Put back the role and central_key this node was made with "
        "(`mhero init` wrote them); nothing was changed");
  }
  if (config.role == Role::central) return {};  // It writes national and every district's feeds.
  const std::string scope = node.own_scope();
  const Frontier held = node.store().frontier();
  for (const auto& [feed, seq] : held.feeds()) {
    if (seq == 0 || feed.author != key.id() || feed.scope == scope) continue;
    return failed_precondition(
        where + " says district = \"" + config.district + "\", but this node has written " + std::to_string(seq) +
        " entries as " + (feed.scope == kNationalScope ? std::string("the central node")
                                                       : "district " + feed.scope.substr(feed.scope.find('/') + 1)) +
        " (feed " + feed.to_string() + "). A node keeps the role and district it was made with: put them back; to serve "
        "another district, make a new node there (`mhero init`, then `mhero enroll` at the central node). Nothing was "
        "changed");
  }
  return {};
}

}  // namespace

Node::Node(NodePaths paths, NodeKey key, NodeConfig config, const Clock& clock)
    : paths_(std::move(paths)), key_(std::move(key)), config_(std::move(config)), clock_(clock) {}

Node::~Node() = default;

Result<std::unique_ptr<Node>> Node::open(const NodePaths& paths, const Clock& clock,
                                         std::vector<View*> views) {
  MHERO_RETURN_IF_ERROR(check_data_owner(paths.dir));
  if (!std::filesystem::exists(paths.key()) &&
      (std::filesystem::exists(paths.config()) || std::filesystem::exists(paths.db()))) {
    return not_found("no node key at " + paths.key().string() + ", but " + paths.dir.string() +
                     " holds a node (config.toml, db/)" + missing_key_advice(paths));
  }
  MHERO_ASSIGN_OR_RETURN(NodeKey key, NodeKey::load_file(paths.key()));
  MHERO_ASSIGN_OR_RETURN(NodeConfig config, NodeConfig::load(paths.config()));
  // A key without its store (db/ deleted, or lost with a disk while node.key was kept) would
  // sign this node's feed from seq 1 again: a fork every peer records. Refuse before RocksDB
  // makes an empty store.
  if (!std::filesystem::exists(paths.db() / "CURRENT")) {
    return failed_precondition(
        paths.db().string() + " holds no store, but " + paths.key().string() + " is this node's key: " +
        "writing now would start its feed again at seq 1, a fork its peers would record. Put back this "
        "node's db/ if it was moved; otherwise keep this directory as it is and make a new node with a new "
        "key (README \"Recovering from a fork\": revoke this key on the central node, init, enroll)");
  }
  std::unique_ptr<Node> node(new Node(paths, std::move(key), std::move(config), clock));
  node->admission_ = std::make_unique<EnrolledAdmission>(node->config_.central_key, node->key_.id(),
                                                          node->own_scope());
  bool has_enrollment = false;
  for (View* v : views) has_enrollment = has_enrollment || v->name() == "enrollment";
  if (!has_enrollment) {
    node->enrollment_view_ = std::make_unique<EnrollmentView>();
    views.push_back(node->enrollment_view_.get());
  }
  StoreOptions options;
  options.views = std::move(views);
  options.admission = node->admission_.get();
  options.verify_threads = std::max(1u, std::thread::hardware_concurrency());
  MHERO_ASSIGN_OR_RETURN(node->store_, LogStore::open(paths.db(), clock, options));
  // A store copied or restored elsewhere may be behind its own feeds: hold writes until learned.
  MHERO_ASSIGN_OR_RETURN(StoreOrigin origin, current_store_origin(paths.db()));
  MHERO_ASSIGN_OR_RETURN(bool moved, check_store_origin(*node->store_, origin));
  if (moved) {
    spdlog::warn("{}: this node's writes are held ({}); it writes again once it has learned its own "
                 "heads from a peer (sync, or a bundle exported with --full), or after `mhero log resume-writes "
                 "--no-peer-holds-more`",
                 paths.dir.string(), node->store_->write_hold()->reason);
  }
  MHERO_ASSIGN_OR_RETURN(auto rotated, node->finish_key_rotation());  // node/key_rotation.h
  for (const std::string& line : rotated) spdlog::info("key rotation: {}", line);
  MHERO_RETURN_IF_ERROR(check_config_matches_store(*node));
  // After the store opened, so files RocksDB just made are checked too.
  auto loose = find_loose_paths(paths.dir);
  if (!loose.empty()) spdlog::warn("{}", loose_paths_warning(paths.dir, loose));
  return node;
}

std::string Node::own_scope() const {
  return config_.role == Role::central ? std::string(kNationalScope) : district_scope(config_.district);
}

}  // namespace mhero
