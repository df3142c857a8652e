#include <thread>

#include "scratch-node/scratch_node.h"

#include <stdexcept>

#include "store/scope.h"

namespace mhero::scratch {

namespace {

std::string scope_of(const std::string& district) {
  return district.empty() ? std::string(kNationalScope) : district_scope(district);
}

}  // namespace

ScratchNode::ScratchNode(const std::filesystem::path& db_dir, const Clock& c, const NodeKey& k, const NodeId& central,
                         const std::string& district, bool durable)
    : clock(c), key(k), admission(central, k.id(), scope_of(district)) {
  config.role = district.empty() ? Role::central : Role::district;
  config.district = district;
  config.central_key = central;
  StoreOptions options;
  options.views = {&view};
  options.admission = &admission;
  options.sync = durable;
  options.verify_threads = std::max(1u, std::thread::hardware_concurrency());  // As a node's store (node.cc).
  auto opened = LogStore::open(db_dir, clock, options);
  if (!opened.ok()) throw std::runtime_error(opened.status().to_string());
  store = std::move(opened).value();
}

std::string ScratchNode::scope() const {
  return config.role == Role::central ? std::string(kNationalScope) : district_scope(config.district);
}

void ScratchNode::enroll(const ScratchNode& district) {
  auto r = enroll_key(*store, key, config, district.key.id(), district.config.district, "");
  if (!r.ok()) throw std::runtime_error(r.status().to_string());
}

ScratchDialer::ScratchDialer(ScratchNode& node, SyncConfig sync_config) : config(std::move(sync_config)) {
  auto tls = make_tls_contexts(node.key);
  if (!tls.ok()) throw std::runtime_error(tls.status().to_string());
  client_tls = std::move(tls->first);
  server_tls = std::move(tls->second);
  ctx = std::make_unique<SyncContext>(
      SyncContext{*node.store, node.key, node.config, config, node.clock, *client_tls, *server_tls, nullptr, nullptr});
}

sync::SessionResult ScratchDialer::sync_to(uint16_t port) const {
  return sync_with(*ctx, "127.0.0.1:" + std::to_string(port));
}

}  // namespace mhero::scratch
