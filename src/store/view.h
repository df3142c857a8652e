// Materialised views: state derived from entries (registry by entityID, messages by state, …),
// kept in the `views` column family and written in the same atomic batch as the entries they
// derive from, so entries and views move together or not at all (DESIGN.md "Storage").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mhero {

class Entry;

/// Read access to the views column family. Keys are "<view name>/<view key>".
class ViewReader {
 public:
  virtual ~ViewReader() = default;
  /// The value at `key`, or nullopt. Errors: corruption/unavailable from RocksDB.
  virtual Result<std::optional<std::string>> get(std::string_view key) const = 0;
  /// Calls `fn(key, value)` for each key starting with `prefix`, in key order, until it returns
  /// false. Memory use is independent of the number of keys.
  virtual Status scan(std::string_view prefix,
                      const std::function<bool(std::string_view, std::string_view)>& fn) const = 0;
  /// As scan, but starts at the first key >= `start` (a key with `prefix`): for paging. The
  /// default skips keys below `start`; the store's readers seek to it.
  virtual Status scan_from(std::string_view prefix, std::string_view start,
                           const std::function<bool(std::string_view, std::string_view)>& fn) const {
    return scan(prefix, [&](std::string_view key, std::string_view value) {
      return key < start || fn(key, value);
    });
  }
};

/// A ViewReader that also writes, into the batch being committed. Reads see the batch's own
/// earlier writes. Owned by the store; valid only during View::apply / Admission::admit.
class ViewBatch : public ViewReader {
 public:
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void erase(std::string_view key) = 0;
};

/// A view derives state from entries. Implementations are owned by the caller and must outlive
/// the LogStore they are registered with.
class View {
 public:
  virtual ~View() = default;
  /// Key prefix of this view, e.g. "registry". Its keys are "<name>/…".
  virtual std::string_view name() const = 0;
  /// Bump when the derived layout changes: the store then rebuilds the view from all entries.
  virtual int version() const = 0;
  /// Folds one new entry into the view. Entries arrive in commit order (per feed, seq order).
  /// An entry of a kind the view does not handle (or an unknown kind) must be ignored.
  /// A non-ok status aborts the whole commit.
  virtual Status apply(const Entry& entry, ViewBatch& batch) = 0;
};

/// Decides whether an author may write a scope (DESIGN.md "Who holds what"). Consulted for every
/// new entry, after its signature and chain are verified, before it is written.
class Admission {
 public:
  virtual ~Admission() = default;
  /// ok, or permission_denied with a message naming the author and scope. `state` sees views as
  /// of this commit (e.g. an enrollment earlier in the same batch).
  virtual Status admit(const Entry& entry, const ViewReader& state) const = 0;
};

}  // namespace mhero
