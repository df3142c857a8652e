#include "store/entry.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "store/scope.h"
#include "util/bytes.h"

namespace mhero {

namespace {

std::string_view view_of(capnp::Data::Reader data) {
  return {reinterpret_cast<const char*>(data.begin()), data.size()};
}

capnp::Data::Reader data_of(std::string_view s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}

// Entries are small (a registry chunk is at most a few MiB); anything bigger is refused.
constexpr size_t kMaxEntryWords = (16u << 20) / sizeof(capnp::word);

capnp::ReaderOptions reader_options(size_t words) {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words * 4 + 64;
  options.nestingLimit = 32;
  return options;
}

}  // namespace

Entry Entry::create(const NodeKey& key, std::string_view scope, uint64_t seq, const Hash256& prev,
                    uint64_t hlc_time, schema::Payload::Reader payload) {
  capnp::MallocMessageBuilder message;
  auto body = message.initRoot<schema::EntryBody>();
  body.setAuthor(data_of(key.id().view()));
  body.setScope(std::string(scope));
  body.setSeq(seq);
  body.setPrev(capnp::Data::Reader(prev.data(), prev.size()));
  body.setHlcTime(hlc_time);
  body.setPayload(payload);

  Entry entry;
  kj::Array<capnp::word> canonical = capnp::canonicalize(body.asReader());
  entry.body_.resize(canonical.size());
  std::memcpy(entry.body_.data(), canonical.begin(), canonical.size() * sizeof(capnp::word));
  entry.signature_ = key.sign(entry.body_bytes());
  entry.id_ = blake2b256(entry.body_bytes());
  Status parsed = entry.parse_header("new entry");
  assert(parsed.ok());
  (void)parsed;
  return entry;
}

Result<Entry> Entry::decode(std::string_view encoded, std::string_view where) {
  std::string ctx(where);
  if (encoded.size() % sizeof(capnp::word) != 0 || encoded.empty() ||
      encoded.size() > kMaxEntryWords * sizeof(capnp::word)) {
    return corruption(ctx + ": " + std::to_string(encoded.size()) +
                      " bytes is not the size of an encoded entry");
  }
  std::vector<uint64_t> aligned(encoded.size() / sizeof(uint64_t));
  std::memcpy(aligned.data(), encoded.data(), encoded.size());

  Entry entry;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&] {
    capnp::FlatArrayMessageReader reader(
        kj::arrayPtr(reinterpret_cast<const capnp::word*>(aligned.data()), aligned.size()),
                                         reader_options(aligned.size()));
    auto signed_entry = reader.getRoot<schema::SignedEntry>();
    auto body = signed_entry.getBody();
    auto signature = signed_entry.getSignature();
    if (signature.size() != entry.signature_.size() || body.size() % sizeof(capnp::word) != 0 ||
        body.size() == 0) {
      KJ_FAIL_REQUIRE("bad signature or body size");
    }
    std::memcpy(entry.signature_.data(), signature.begin(), signature.size());
    entry.body_.resize(body.size() / sizeof(capnp::word));
    std::memcpy(entry.body_.data(), body.begin(), body.size());
  });
  if (error != nullptr) return corruption(ctx + ": not a signed entry (malformed envelope)");
  MHERO_RETURN_IF_ERROR(entry.parse_header(ctx));
  entry.id_ = blake2b256(entry.body_bytes());
  return entry;
}

Status Entry::parse_header(std::string_view where) {
  std::string problem;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&] {
    kj::ArrayPtr<const capnp::word> segments[1] = {kj::arrayPtr(words(), body_.size())};
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), reader_options(body_.size()));
    if (!reader.isCanonical()) {
      problem = "body is not in canonical form";
      return;
    }
    auto body = reader.getRoot<schema::EntryBody>();
    auto author = NodeId::from_bytes(view_of(body.getAuthor()));
    if (!author) {
      problem = "author is not a 32-byte key";
      return;
    }
    std::string scope = body.getScope();
    if (!valid_scope(scope)) {
      problem = "scope \"" + scope.substr(0, 80) + "\" is not national or district/<code>";
      return;
    }
    auto prev = body.getPrev();
    if (prev.size() != prev_.size()) {
      problem = "prev is not a 32-byte hash";
      return;
    }
    if (body.getSeq() == 0) {
      problem = "seq 0 (seqs start at 1)";
      return;
    }
    feed_ = FeedId{*author, std::move(scope)};
    seq_ = body.getSeq();
    std::memcpy(prev_.data(), prev.begin(), prev_.size());
    hlc_time_ = body.getHlcTime();
  });
  if (error != nullptr) problem = "body is not a Cap'n Proto EntryBody";
  if (!problem.empty()) return corruption(std::string(where) + ": " + problem);
  return {};
}

schema::EntryBody::Reader Entry::body() const {
  // A segment reader is a view; re-creating it is cheap and keeps Entry copyable. The bytes were
  // validated in parse_header, so reading them cannot fail here.
  return capnp::readMessageUnchecked<schema::EntryBody>(words());
}

std::string Entry::encode() const {
  // Hand-laid Cap'n Proto flat message of one segment, byte-identical to what
  // capnp::messageToFlatArray produces for a SignedEntry built with setBody then setSignature
  // (pinned by tests/store/entry_test.cc), without a message builder's allocations.
  const uint64_t body_words = body_.size();
  const uint64_t segment_words = 1 + 2 + body_words + signature_.size() / sizeof(capnp::word);
  std::string out;
  out.reserve(encoded_size());
  auto put_u64_le = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put_u64_le(segment_words << 32);                     // Segment table: 1 segment of N words.
  put_u64_le(uint64_t{2} << 48);                       // Root: struct, 0 data words, 2 pointers.
  const uint64_t byte_list = 2;                        // List element size: 1 byte.
  put_u64_le(((body_.size() * 8) << 35 | byte_list << 32) | (1u << 2 | 1));  // body after ptr1.
  put_u64_le((uint64_t{64} << 35 | byte_list << 32) | (body_words << 2 | 1));  // then signature.
  out.append(body_bytes());
  out.append(signature());
  return out;
}

size_t Entry::encoded_size() const {
  // Segment table (8) + root pointer (8) + SignedEntry pointers (16) + body + signature (64).
  return 8 + 8 + 16 + body_.size() * sizeof(capnp::word) + signature_.size();
}

bool Entry::signature_valid() const {
  return verify_signature(feed_.author, body_bytes(), signature());
}

std::string Entry::kind_name() const {
  switch (kind()) {
    case schema::Payload::NOTE: return "note";
    case schema::Payload::REGISTRY_SNAPSHOT: return "registrySnapshot";
    case schema::Payload::REGISTRY_DELTA: return "registryDelta";
    case schema::Payload::REGISTRY_CORRECTION: return "registryCorrection";
    case schema::Payload::OUTGOING_MESSAGE: return "outgoingMessage";
    case schema::Payload::DISPATCH: return "dispatch";
    case schema::Payload::RESPONSE: return "response";
    case schema::Payload::ENROLLMENT: return "enrollment";
    case schema::Payload::REVOCATION: return "revocation";
    case schema::Payload::NODE_STATUS: return "nodeStatus";
    case schema::Payload::RECEIPT: return "receipt";
    case schema::Payload::AUDIT: return "audit";
    case schema::Payload::MESSAGE_CANCEL: return "messageCancel";
    case schema::Payload::FLOW_LIST: return "flowList";
    case schema::Payload::DELIVERY_REPORT: return "deliveryReport";
    case schema::Payload::CORRECTION_DECISION: return "correctionDecision";
    case schema::Payload::KEY_ROTATION: return "keyRotation";
    default: break;  // Members other branches add (and ones newer nodes write): "unknown(n)".
  }
  return "unknown(" + std::to_string(static_cast<unsigned>(kind())) + ")";
}

}  // namespace mhero
