#include "bundle/header.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cassert>
#include <cstring>

#include "bundle.capnp.h"
#include "util/bytes.h"

namespace mhero::bundle {

namespace {

capnp::Data::Reader data_of(const void* p, size_t n) {
  return {reinterpret_cast<const kj::byte*>(p), n};
}

std::string_view view_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t get_u32(const char* p) {
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void fill(schema::BundleHeader::Builder b, const Header& h) {
  b.setFormatVersion(h.format_version);
  b.setBundleId(data_of(h.bundle_id.data(), h.bundle_id.size()));
  b.setSender(data_of(h.sender.bytes.data(), h.sender.bytes.size()));
  b.setRecipient(data_of(h.recipient.bytes.data(), h.recipient.bytes.size()));
  b.setCreatedAtMs(h.created_at_ms);
  h.base.to_capnp(b.initBase());
  h.covers.to_capnp(b.initCovers());
  b.setEntryCount(h.entry_count);
  b.setPartIndex(h.part_index);
  b.setPartCount(h.part_count);
  auto ranges = b.initRanges(static_cast<unsigned>(h.ranges.size()));
  for (size_t i = 0; i < h.ranges.size(); ++i) {
    auto r = ranges[static_cast<unsigned>(i)];
    auto f = r.initFeed();
    f.setAuthor(data_of(h.ranges[i].feed.author.bytes.data(), NodeId::kSize));
    f.setScope(h.ranges[i].feed.scope);
    r.setFirstSeq(h.ranges[i].first_seq);
    r.setLastSeq(h.ranges[i].last_seq);
  }
  b.setPlainBytes(h.plain_bytes);
  b.setBodyBytes(h.body_bytes);
  b.setBodyHash(data_of(h.body_hash.data(), h.body_hash.size()));
}

// Parses the canonical header bytes; returns a problem description or "".
std::string parse(kj::ArrayPtr<const capnp::word> words, Header& h) {
  std::string problem;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&] {
    kj::ArrayPtr<const capnp::word> segments[1] = {words};
    capnp::ReaderOptions options;
    options.traversalLimitInWords = words.size() * 4 + 64;
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), options);
    if (!reader.isCanonical()) {
      problem = "header is not in canonical form";
      return;
    }
    auto b = reader.getRoot<schema::BundleHeader>();
    h.format_version = b.getFormatVersion();
    auto id = b.getBundleId();
    auto sender = NodeId::from_bytes(view_of(b.getSender()));
    auto recipient = NodeId::from_bytes(view_of(b.getRecipient()));
    auto hash = b.getBodyHash();
    if (id.size() != h.bundle_id.size() || !sender || !recipient || hash.size() != h.body_hash.size()) {
      problem = "header has a bundle id, sender, recipient or body hash of the wrong size";
      return;
    }
    std::memcpy(h.bundle_id.data(), id.begin(), id.size());
    std::memcpy(h.body_hash.data(), hash.begin(), hash.size());
    h.sender = *sender;
    h.recipient = *recipient;
    h.created_at_ms = b.getCreatedAtMs();
    if (!h.base.from_capnp(b.getBase()) || !h.covers.from_capnp(b.getCovers())) {
      problem = "header frontier names a malformed feed";
      return;
    }
    h.entry_count = b.getEntryCount();
    h.part_index = b.getPartIndex();
    h.part_count = b.getPartCount();
    for (auto r : b.getRanges()) {
      auto author = NodeId::from_bytes(view_of(r.getFeed().getAuthor()));
      if (!author || r.getFirstSeq() == 0 || r.getLastSeq() < r.getFirstSeq()) {
        problem = "header has a malformed feed range";
        return;
      }
      h.ranges.push_back({FeedId{*author, r.getFeed().getScope()}, r.getFirstSeq(), r.getLastSeq()});
    }
    h.plain_bytes = b.getPlainBytes();
    h.body_bytes = b.getBodyBytes();
    if (h.part_count == 0 || h.part_index == 0 || h.part_index > h.part_count) {
      problem = "header says part " + std::to_string(h.part_index) + " of " +
                std::to_string(h.part_count);
    }
  });
  if (error != nullptr) problem = "header is not a Cap'n Proto BundleHeader";
  return problem;
}

}  // namespace

std::string Header::id_hex() const { return to_hex(std::span<const uint8_t>(bundle_id)); }

std::string encode_front(const Header& header, const NodeKey& sender) {
  assert(sender.id() == header.sender);
  capnp::MallocMessageBuilder message;
  fill(message.initRoot<schema::BundleHeader>(), header);
  kj::Array<capnp::word> canonical = capnp::canonicalize(message.getRoot<schema::BundleHeader>().asReader());
  auto canonical_bytes = canonical.asBytes();
  std::string_view header_bytes(reinterpret_cast<const char*>(canonical_bytes.begin()),
                                canonical_bytes.size());
  Signature signature = sender.sign(header_bytes);

  capnp::MallocMessageBuilder signed_message;
  auto root = signed_message.initRoot<schema::SignedBundleHeader>();
  root.setHeader(data_of(header_bytes.data(), header_bytes.size()));
  root.setSignature(data_of(signature.data(), signature.size()));
  kj::Array<capnp::word> flat = capnp::messageToFlatArray(signed_message);
  auto flat_bytes = flat.asBytes();

  std::string out(kMagic);
  put_u32(out, header.format_version);
  put_u32(out, static_cast<uint32_t>(flat_bytes.size()));
  out.append(reinterpret_cast<const char*>(flat_bytes.begin()), flat_bytes.size());
  return out;
}

Result<ParsedFront> read_front(std::istream& in, const std::string& name) {
  char prefix[16];
  in.read(prefix, sizeof prefix);
  if (in.gcount() < static_cast<std::streamsize>(kMagic.size()) ||
      std::string_view(prefix, kMagic.size()) != kMagic) {
    return corruption(name + ": not an mhero bundle (no \"MHBUNDLE\" magic at byte 0)");
  }
  if (in.gcount() < 16) return corruption(name + ": truncated in the first 16 bytes (file cut short)");
  uint32_t version = get_u32(prefix + 8);
  if (version > kFormatVersion) {
    return failed_precondition(name + ": bundle format version " + std::to_string(version) +
                               " is newer than this mhero reads (" + std::to_string(kFormatVersion) +
                               "); upgrade mhero on this node");
  }
  if (version == 0) return corruption(name + ": bundle format version 0 is not valid");
  uint32_t length = get_u32(prefix + 12);
  if (length == 0 || length > kMaxHeaderBytes || length % sizeof(capnp::word) != 0) {
    return corruption(name + ": header length " + std::to_string(length) + " at byte 12 is not valid");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(length / sizeof(capnp::word));
  in.read(reinterpret_cast<char*>(words.begin()), length);
  if (in.gcount() != static_cast<std::streamsize>(length)) {
    return corruption(name + ": truncated inside the header (file cut short)");
  }

  kj::Array<capnp::word> header_words;
  Signature signature{};
  bool shape_ok = false;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&] {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = words.size() * 4 + 64;
    capnp::FlatArrayMessageReader reader(words.asPtr(), options);
    auto root = reader.getRoot<schema::SignedBundleHeader>();
    auto header = root.getHeader();
    auto sig = root.getSignature();
    if (sig.size() != signature.size() || header.size() == 0 || header.size() % sizeof(capnp::word) != 0) {
      return;
    }
    std::memcpy(signature.data(), sig.begin(), sig.size());
    header_words = kj::heapArray<capnp::word>(header.size() / sizeof(capnp::word));
    std::memcpy(header_words.begin(), header.begin(), header.size());
    shape_ok = true;
  });
  if (error != nullptr || !shape_ok) return corruption(name + ": the signed header at byte 16 is malformed");

  // The envelope must be exactly what encode_front writes: no slack a flipped bit could hide in.
  {
    capnp::MallocMessageBuilder again;
    auto root = again.initRoot<schema::SignedBundleHeader>();
    root.setHeader(data_of(header_words.begin(), header_words.size() * sizeof(capnp::word)));
    root.setSignature(data_of(signature.data(), signature.size()));
    kj::Array<capnp::word> flat = capnp::messageToFlatArray(again);
    if (flat.size() != words.size() || std::memcmp(flat.begin(), words.begin(), length) != 0) {
      return corruption(name + ": the signed header at byte 16 is not in its canonical envelope");
    }
  }
  ParsedFront front;
  std::string problem = parse(header_words, front.header);
  if (!problem.empty()) return corruption(name + ": " + problem);
  std::string_view signed_bytes(reinterpret_cast<const char*>(header_words.begin()),
                                header_words.size() * sizeof(capnp::word));
  if (!verify_signature(front.header.sender, signed_bytes,
                        std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()))) {
    return corruption(name + ": header signature does not verify for sender " +
                      front.header.sender.hex() + " (the header was altered or damaged)");
  }
  if (front.header.format_version != version) {
    return corruption(name + ": signed format version " + std::to_string(front.header.format_version) +
                      " differs from the version word " + std::to_string(version));
  }
  front.body_offset = 16 + length;
  return front;
}

}  // namespace mhero::bundle
