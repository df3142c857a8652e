#include "replication/messages.h"

#include <capnp/message.h>
#include <capnp/serialize-packed.h>
#include <kj/io.h>

#include <optional>

#include "sync.capnp.h"
#include "util/capnp_text.h"

namespace mhero::sync {

namespace {

capnp::Data::Reader data_of(const NodeId& id) { return {id.bytes.data(), id.bytes.size()}; }

struct Encoder {
  schema::SyncFrame::Builder frame;
  void operator()(const Hello& m) {
    auto h = frame.initHello();
    h.setNodeId(data_of(m.node));
    h.setRole(role_name(m.role));
    h.setProtocolVersion(m.version);
    set_texts(h.initScopesWanted(static_cast<unsigned>(m.scopes.size())), m.scopes);
    m.frontier.to_capnp(h.initFrontier());
    h.setDistrict(m.district);
    h.setSentAtMs(m.sent_at_ms);
    h.setEarlyDone(m.early_done);
    h.setRecordBatches(m.record_batches);
    h.setFrontierDelta(m.frontier_delta);
    auto lacks = h.initFrontierLacks(static_cast<unsigned>(m.frontier_lacks.size()));
    for (unsigned i = 0; i < m.frontier_lacks.size(); ++i) {
      lacks[i].setAuthor(data_of(m.frontier_lacks[i].author));
      lacks[i].setScope(m.frontier_lacks[i].scope);
    }
  }
  void operator()(const Batch& m) {
    auto b = frame.initBatch();
    b.setBatchNo(m.number);
    b.setEntryCount(m.entry_count);
    b.setRawBytes(m.raw_bytes);
    b.setZstdData(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(m.zstd.data()), m.zstd.size()));
    b.setEncoding(m.encoding);
  }
  void operator()(const Ack& m) {
    auto a = frame.initAck();
    a.setBatchNo(m.number);
    m.frontier.to_capnp(a.initFrontier());
  }
  void operator()(const Done& m) { frame.initDone().setSentEntryCount(m.sent_entries); }
  void operator()(const Error& m) {
    auto e = frame.initError();
    e.setCode(m.code);
    e.setMessage(m.message);
    e.setRetryAfterMs(m.retry_after_ms);
    e.setRevokedAtMs(m.revoked_at_ms);
    if (m.revoked_by) {
      e.setRevokedBy(capnp::Data::Reader(m.revoked_by->bytes.data(), m.revoked_by->bytes.size()));
    }
  }
};

Result<Message> decode_root(schema::SyncFrame::Reader f) {
  switch (f.which()) {
    case schema::SyncFrame::HELLO: {
      auto h = f.getHello();
      Hello m;
      auto id = h.getNodeId();
      auto node = NodeId::from_bytes({reinterpret_cast<const char*>(id.begin()), id.size()});
      if (!node) return corruption("hello: node id is not 32 bytes");
      m.node = *node;
      auto role = parse_role(std::string_view(h.getRole().cStr()));
      if (!role) return corruption("hello: unknown role \"" + std::string(h.getRole().cStr()) + "\"");
      m.role = *role;
      m.version = h.getProtocolVersion();
      m.scopes = texts_from_capnp(h.getScopesWanted());
      if (!m.frontier.from_capnp(h.getFrontier())) return corruption("hello: malformed frontier");
      m.district = h.getDistrict();
      m.sent_at_ms = h.getSentAtMs();
      m.early_done = h.getEarlyDone();
      m.record_batches = h.getRecordBatches();
      m.frontier_delta = h.getFrontierDelta();
      for (auto lack : h.getFrontierLacks()) {
        auto author = lack.getAuthor();
        auto id = NodeId::from_bytes({reinterpret_cast<const char*>(author.begin()), author.size()});
        if (!id) return corruption("hello: a feed in frontierLacks has an author that is not 32 bytes");
        m.frontier_lacks.push_back(FeedId{*id, std::string(lack.getScope().cStr())});
      }
      return Message(std::move(m));
    }
    case schema::SyncFrame::BATCH: {
      auto b = f.getBatch();
      auto z = b.getZstdData();
      return Message(Batch{b.getBatchNo(), b.getEntryCount(), b.getRawBytes(),
                           std::string(reinterpret_cast<const char*>(z.begin()), z.size()), b.getEncoding()});
    }
    case schema::SyncFrame::ACK: {
      Ack m;
      m.number = f.getAck().getBatchNo();
      if (!m.frontier.from_capnp(f.getAck().getFrontier())) return corruption("ack: malformed frontier");
      return Message(std::move(m));
    }
    case schema::SyncFrame::DONE:
      return Message(Done{f.getDone().getSentEntryCount()});
    case schema::SyncFrame::ERROR: {
      auto e = f.getError();
      Error m{e.getCode(), e.getMessage(), e.getRetryAfterMs(), e.getRevokedAtMs(), std::nullopt};
      auto by = e.getRevokedBy();
      if (by.size() != 0) {
        m.revoked_by = NodeId::from_bytes({reinterpret_cast<const char*>(by.begin()), by.size()});
        if (!m.revoked_by) return corruption("error: revokedBy is not 32 bytes");
      }
      return Message(std::move(m));
    }
  }
  return corruption("frame of unknown kind " + std::to_string(static_cast<int>(f.which())));
}

}  // namespace

uint32_t protocol_version() { return schema::SYNC_PROTOCOL_VERSION; }

const char* message_name(const Message& message) {
  static const char* names[] = {"hello", "batch", "ack", "done", "error"};
  return names[message.index()];
}

std::string encode(const Message& message) {
  capnp::MallocMessageBuilder builder;
  std::visit(Encoder{builder.initRoot<schema::SyncFrame>()}, message);
  kj::VectorOutputStream out;
  capnp::writePackedMessage(out, builder);
  auto bytes = out.getArray();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<Message> decode(std::string_view frame) {
  try {
    kj::ArrayInputStream in(kj::ArrayPtr<const kj::byte>(reinterpret_cast<const kj::byte*>(frame.data()), frame.size()));
    capnp::ReaderOptions options;
    // Bounds what a hostile frame can make us allocate (packed zero runs expand a lot).
    options.traversalLimitInWords = frame.size() + 1024 * 1024;
    std::optional<Result<Message>> out;
    {
      capnp::PackedMessageReader reader(in, options);
      out.emplace(decode_root(reader.getRoot<schema::SyncFrame>()));
    }  // The reader's destructor reads the segments not yet read and throws on a frame cut short:
       // out is then destroyed as a local (a `return` inside this block leaked it under clang,
       // which did not destroy a return value when a local's destructor threw; CWG 2176).
    return std::move(*out);
  } catch (const kj::Exception& e) {
    return corruption(std::string("malformed frame: ") + e.getDescription().cStr());
  }
}

}  // namespace mhero::sync
