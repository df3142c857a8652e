// Three real nodes on disk for bundle tests: a central node and districts "A" and "B", both
// enrolled by the central node (the districts learn of the enrollments through bundles like
// everything else). Time is a ManualClock.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bundle/exporter.h"
#include "bundle/importer.h"
#include "node/enrollment.h"
#include "node/node.h"
#include "node/peer_frontier.h"
#include "node/standard_views.h"
#include "support/entries.h"
#include "support/temp_dir.h"
#include "util/bytes.h"

namespace mhero::testing {

struct TestNode {
  std::vector<std::unique_ptr<View>> views;
  std::unique_ptr<Node> node;
  Node& operator*() { return *node; }
  Node* operator->() { return node.get(); }
};

inline TestNode open_test_node(const std::filesystem::path& dir, const Clock& clock) {
  TestNode t;
  t.views = make_standard_views();
  std::vector<View*> raw;
  for (auto& v : t.views) raw.push_back(v.get());
  auto node = Node::open(NodePaths{dir}, clock, raw);
  if (!node.ok()) throw std::runtime_error(node.status().to_string());
  t.node = std::move(*node);
  return t;
}

class BundleNet {
 public:
  BundleNet() {
    auto c = Node::init(NodePaths{tmp / "central"}, Role::central, "", std::nullopt);
    REQUIRE(c.ok());
    REQUIRE(Node::init(NodePaths{tmp / "a"}, Role::district, "A", *c).ok());
    REQUIRE(Node::init(NodePaths{tmp / "b"}, Role::district, "B", *c).ok());
    central = open_test_node(tmp / "central", clock);
    a = open_test_node(tmp / "a", clock);
    b = open_test_node(tmp / "b", clock);
    REQUIRE(enroll_key(central->store(), central->key(), central->config(), a->id(), "A", "").ok());
    REQUIRE(enroll_key(central->store(), central->key(), central->config(), b->id(), "B", "").ok());
  }

  static bundle::PeerProfile profile(TestNode& of) {
    return {of->id(), of->config().role, of->config().district};
  }

  /// Exports from `from` to `to` at tmp/<name> and requires success.
  bundle::ExportReport send(TestNode& from, TestNode& to, const std::string& name, uint64_t max_bytes = 0,
                            bool full = false) {
    bundle::ExportOptions options{profile(to), tmp / name, full, max_bytes};
    auto r = bundle::export_bundle(*from, options);
    if (!r.ok()) FAIL(r.status().to_string());
    return std::move(*r);
  }

  Result<std::vector<bundle::FileReport>> receive(TestNode& at, std::vector<std::filesystem::path> files,
                                                  bundle::ImportOptions options = {}) {
    return bundle::import_bundles(*at, files, options);
  }

  TempDir tmp;
  ManualClock clock;
  TestNode central, a, b;
};

/// Everything observable about a store: frontier, every entry's bytes, meta and views, and
/// verify_all's verdict, hashed. Equal digests = byte-identical logical content.
inline std::string store_digest(LogStore& store) {
  std::string all;
  const Frontier frontier = store.frontier();
  for (const auto& [feed, seq] : frontier.feeds()) all += feed.to_string() + "=" + std::to_string(seq) + ";";
  auto cursor = store.entries_after(Frontier{});
  while (true) {
    auto next = cursor->next();
    REQUIRE(next.ok());
    if (!next->has_value()) break;
    all += (*next)->encode();
  }
  store.scan_meta("", [&](std::string_view k, std::string_view v) {
    all += std::string(k) + "=" + std::string(v) + ";";
    return true;
  });
  REQUIRE(store.views().scan("", [&](std::string_view k, std::string_view v) {
    all += std::string(k) + "=" + std::string(v) + ";";
    return true;
  }).ok());
  all += "faults=" + std::to_string(store.verify_all().size());
  return to_hex(blake2b256(all));
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_bytes(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace mhero::testing
