// The readable, signed front of a bundle file (schema/bundle.capnp, schema/README.md "Bundles"):
//
//   "MHBUNDLE" (8 bytes) | format version (u32 BE) | n (u32 BE) | n bytes: SignedBundleHeader
//   (Cap'n Proto, segment table first) | body (header.body_bytes bytes, see body_writer.h)
//
// Everything here is readable without the recipient's key; the signature is by the sender's node
// key over the canonical BundleHeader bytes.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "identity/crypto.h"
#include "identity/node_key.h"
#include "store/feed.h"
#include "util/status.h"

namespace mhero::bundle {

inline constexpr std::string_view kMagic = "MHBUNDLE";
/// The format version this program writes; it reads every version from kMinFormatVersion to it.
/// Version 2 differs from 1 only in the body (body_writer.h).
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kMinFormatVersion = 1;
/// A header longer than this is refused as malformed (it holds one range per feed).
inline constexpr uint32_t kMaxHeaderBytes = 8u << 20;

using BundleId = std::array<uint8_t, 16>;

/// Entries of one feed in one part: every seq first_seq..last_seq.
struct FeedRange {
  FeedId feed;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
};

/// The fields of schema::BundleHeader, documented there.
struct Header {
  uint32_t format_version = kFormatVersion;
  BundleId bundle_id{};
  NodeId sender;
  NodeId recipient;
  int64_t created_at_ms = 0;
  Frontier base;
  Frontier covers;
  uint64_t entry_count = 0;
  uint32_t part_index = 1;
  uint32_t part_count = 1;
  std::vector<FeedRange> ranges;
  uint64_t plain_bytes = 0;
  uint64_t body_bytes = 0;
  Hash256 body_hash{};

  /// Hex of bundle_id (32 characters).
  std::string id_hex() const;
};

/// The bytes that precede the body: magic, version, length and the signed header. `sender` must
/// be the key of header.sender (asserted).
std::string encode_front(const Header& header, const NodeKey& sender);

/// A header read back, with where its body starts in the file.
struct ParsedFront {
  Header header;
  uint64_t body_offset = 0;
};

/// Reads the front of a bundle from `in` (positioned at offset 0) and checks magic, version,
/// structure and the sender's signature. `name` (the file) leads every error message.
/// Errors: corruption (not a bundle, truncated header, malformed or badly signed header),
/// failed_precondition (a format version newer than this program reads).
Result<ParsedFront> read_front(std::istream& in, const std::string& name);

}  // namespace mhero::bundle
