// Splits a signed entry into what a version 2 bundle body carries for it, and rebuilds the
// signed bytes from that (schema/README.md "Bundles", body format 2).
//
// The signed bytes of an entry (store/entry.h) are a canonical Cap'n Proto EntryBody: root
// pointer, data section (seq, hlcTime), four pointers (author, scope, prev, payload), then in
// preorder the author, the scope text, the prev hash and the payload subtree. Everything but
// hlcTime and the payload subtree is implied by the feed run (author, scope, seq, prev), so a
// bundle carries per entry only hlcTime, the payload as a canonical Payload message (its root
// pointer rewritten to offset 0, then the subtree exactly as in the body) and the signature.
// rebuild_body() lays the words out again; an entry whose body is laid out any other way (a
// field from a newer EntryBody, a null payload … whatever rebuild_body would not reproduce) has
// no compact form and must be carried whole.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/entry.h"

namespace mhero::bundle {

/// The canonical Payload message of `entry` when rebuild_body(feed, seq, prev, hlc_time, it)
/// gives back exactly entry.body_bytes() (checked byte for byte); nullopt otherwise.
std::optional<std::string> compact_payload(const Entry& entry);

/// The signed bytes of the entry (feed, seq, prev, hlc_time, payload). `payload` is a canonical
/// Payload message (root struct pointer at offset 0, a multiple of 8 bytes, at least 8 bytes).
/// The result is only meaningful if the author signed exactly it; the caller checks the
/// signature (LogStore::ingest does).
std::string rebuild_body(const FeedId& feed, uint64_t seq, const Hash256& prev, uint64_t hlc_time,
                         std::string_view payload);

/// The entry with signed bytes `body` and `signature` (64 bytes), through Entry::decode of the
/// stored form (so the same checks and errors, `where` leading them).
Result<Entry> assemble_entry(std::string_view body, std::string_view signature, std::string_view where);

/// Bytes of the head of a canonical Payload message — its root pointer and the root struct's
/// data and pointer sections — read from its first word: 8 * (1 + data words + pointers).
/// 0 when `first_word` is not a struct pointer with offset 0.
size_t payload_head_bytes(std::string_view first_word);

}  // namespace mhero::bundle
