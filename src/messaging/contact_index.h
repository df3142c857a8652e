// RapidPro's contacts as this node last listed them (RapidPro API v2 contacts.json), kept in the
// store's meta column family so that a restarted process catches up with `?after=<cursor>`
// instead of listing every contact again (schema/README.md "RapidPro contact index").
//
// Layout: "rapidpro-contacts/cursor" -> JSON {"url", "after", "epoch"}: the RapidPro base URL,
// the modified_on of the newest contact of the last complete listing ("" = list everything),
// and the generation of the records. Records "rapidpro-contacts/<epoch % 2>/<seq, 10 digits>"
// -> JSON {"epoch", "contacts": [{"uuid", "name", "globalid", "urns"}], "deleted": [uuid]},
// seq 0, 1, 2, … applied in order. A generation starts with a snapshot (records of up to 2,000
// contacts) and grows by the records of each save; the next generation is written under the other
// parity and takes over only when the cursor names it, so a crash at any point leaves a
// complete generation. Records of an older epoch found past the last one are left-overs and
// end the generation. Each write is one durable put_meta.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/log_store.h"
#include "util/status.h"

namespace mhero {

struct ContactInfo {
  std::string uuid, name, globalid;
  std::vector<std::string> urns;
  bool operator==(const ContactInfo&) const = default;
};

class ContactIndexStore {
 public:
  /// `store` must outlive this object. `rapidpro_url`: the base URL the contacts come from; an
  /// index kept for another URL is not loaded. Not thread-safe.
  ContactIndexStore(LogStore& store, std::string rapidpro_url)
      : store_(store), url_(std::move(rapidpro_url)) {}

  struct Held {
    std::vector<ContactInfo> contacts;  // In uuid order.
    std::string after;                  // RapidPro modified_on to list from; "" = everything.
  };
  /// The kept index, or nullopt when none is kept for this URL (never listed, dropped, or a
  /// value that does not decode: the caller lists again; the reason goes to `*why`).
  std::optional<Held> load(std::string* why);

  /// Adds records to the current generation (2,000 contacts each): `contacts` put, `removed`
  /// (uuids) dropped. Needs a generation (load() or rewrite() first); no write when both are
  /// empty.
  Status save(const std::vector<ContactInfo>& contacts, const std::vector<std::string>& removed);
  /// Moves the cursor (the records it covers must be saved first).
  Status set_after(const std::string& after);
  /// True when the current generation holds many records beyond its snapshot (rewrite it).
  bool wants_rewrite() const;
  /// Writes `all` as a new generation with cursor `after`, then makes it current.
  Status rewrite(const std::vector<ContactInfo>& all, const std::string& after);
  /// Drops the kept index (the next load() finds none).
  Status clear();

 private:
  Status put_record(const std::vector<ContactInfo>& contacts, const std::vector<std::string>& removed);
  Status put_cursor(const std::string& after);

  LogStore& store_;
  std::string url_;
  std::optional<uint64_t> epoch_;  // Current generation; none before load() / rewrite().
  uint64_t next_seq_ = 0, snapshot_records_ = 0;
  std::string after_;
};

}  // namespace mhero
