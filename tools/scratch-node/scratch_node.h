// Throw-away nodes for the replication tests and benchmarks: a node's config, enrollment view,
// enrolled admission and store in a given directory, without a node directory (no node.key,
// no config.toml; for a real node see node/node.h). Never part of the mhero program.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "identity/node_key.h"
#include "node/admission.h"
#include "node/config.h"
#include "node/enrollment.h"
#include "replication/peer_session.h"
#include "replication/sync_config.h"
#include "store/log_store.h"
#include "util/clock.h"

namespace mhero::scratch {

/// A central node when `district` is empty, else a district node of `district`, whose central
/// key is `central`. Its store lives in `db_dir` (created; `durable` = fsync each write) and
/// registers the enrollment view and the node's enrolled admission. `clock` must outlive it.
/// Not movable (the store holds the view and admission by address). Throws std::runtime_error
/// when the store cannot be opened.
struct ScratchNode {
  ScratchNode(const std::filesystem::path& db_dir, const Clock& clock, const NodeKey& key, const NodeId& central,
              const std::string& district, bool durable = false);
  ScratchNode(const ScratchNode&) = delete;
  ScratchNode& operator=(const ScratchNode&) = delete;

  /// The scope this node writes: "national" for central, "district/<code>" otherwise.
  std::string scope() const;
  /// Enrolls `district` (a district node) from this (central) node's store. Throws
  /// std::runtime_error with the status when enroll_key refuses.
  void enroll(const ScratchNode& district);

  const Clock& clock;
  NodeKey key;
  NodeConfig config;
  EnrollmentView view;
  EnrolledAdmission admission;
  std::unique_ptr<LogStore> store;
};

/// What a ScratchNode needs to dial a peer over TLS: its TLS contexts and a SyncContext on the
/// node's store, key, config and clock with `config` (change it before dialing as needed).
/// `node` must outlive it. Throws std::runtime_error when the TLS contexts cannot be made.
struct ScratchDialer {
  explicit ScratchDialer(ScratchNode& node, SyncConfig sync_config = {});
  ScratchDialer(const ScratchDialer&) = delete;
  ScratchDialer& operator=(const ScratchDialer&) = delete;

  /// One session as the dialer with the peer listening on 127.0.0.1:`port`. Never throws.
  sync::SessionResult sync_to(uint16_t port) const;

  SyncConfig config;
  std::unique_ptr<boost::asio::ssl::context> client_tls, server_tls;
  std::unique_ptr<SyncContext> ctx;
};

}  // namespace mhero::scratch
