#include "node/peer_frontier.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "store/entry.h"
#include "util/bytes.h"

namespace mhero {

namespace {

std::string peer_view_key(const NodeId& peer) { return "receipts/peer/" + peer.hex(); }
std::string meta_key(const NodeId& peer) { return "peer/" + peer.hex() + "/frontier"; }

}  // namespace

std::string encode_frontier(const Frontier& frontier) {
  capnp::MallocMessageBuilder message;
  frontier.to_capnp(message.initRoot<schema::Frontier>());
  auto flat = capnp::messageToFlatArray(message);
  auto bytes = flat.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

std::optional<Frontier> decode_frontier(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) return std::nullopt;
  std::vector<capnp::word> words(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.data(), bytes.data(), bytes.size());
  Frontier f;
  bool ok = false;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(kj::arrayPtr(words.data(), words.size()));
    ok = f.from_capnp(reader.getRoot<schema::Frontier>());
  });
  if (error != nullptr || !ok) return std::nullopt;
  return f;
}

Status ReceiptView::apply(const Entry& entry, ViewBatch& batch) {
  if (entry.kind() != schema::Payload::RECEIPT) return {};
  auto receipt = entry.payload().getReceipt();
  Frontier reported;
  if (!reported.from_capnp(receipt.getFrontier())) return {};  // A malformed receipt says nothing.
  const NodeId& author = entry.feed().author;
  MHERO_ASSIGN_OR_RETURN(auto held, batch.get(peer_view_key(author)));
  Frontier merged;
  if (held) {
    auto decoded = decode_frontier(*held);
    if (!decoded) return corruption("view key " + peer_view_key(author) + " is malformed");
    merged = std::move(*decoded);
  }
  merged.merge(reported);
  batch.put(peer_view_key(author), encode_frontier(merged));
  auto id = receipt.getBundleId();
  if (id.size() > 0) {
    std::string id_hex = to_hex(std::string_view(reinterpret_cast<const char*>(id.begin()), id.size()));
    batch.put("receipts/bundle/" + id_hex + "/" + author.hex(), std::to_string(entry.seq()));
  }
  return {};
}

Result<Frontier> known_frontier(const LogStore& store, const NodeId& peer) {
  Frontier known;
  MHERO_ASSIGN_OR_RETURN(auto from_view, store.views().get(peer_view_key(peer)));
  if (from_view) {
    auto f = decode_frontier(*from_view);
    if (!f) return corruption("view key " + peer_view_key(peer) + " is malformed");
    known.merge(*f);
  }
  MHERO_ASSIGN_OR_RETURN(auto from_meta, store.get_meta(meta_key(peer)));
  if (from_meta) {
    auto f = decode_frontier(*from_meta);
    if (!f) return corruption("meta key " + meta_key(peer) + " is malformed");
    known.merge(*f);
  }
  return known;
}

Status raise_known_frontier(LogStore& store, const NodeId& peer, const Frontier& frontier) {
  Frontier merged;
  MHERO_ASSIGN_OR_RETURN(auto held, store.get_meta(meta_key(peer)));
  if (held) {
    if (auto f = decode_frontier(*held)) merged = std::move(*f);
  }
  merged.merge(frontier);
  return store.put_meta(meta_key(peer), encode_frontier(merged));
}

Result<bool> receipt_seen(const ViewReader& views, std::string_view bundle_id_hex, const NodeId& receiver) {
  MHERO_ASSIGN_OR_RETURN(auto v, views.get("receipts/bundle/" + std::string(bundle_id_hex) + "/" +
                                           receiver.hex()));
  return v.has_value();
}

}  // namespace mhero
