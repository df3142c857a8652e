// The "answers" view: every response (schema/payload.capnp Response) in answer-time order, by
// message and by district, so listings and exports read them page by page in time order with
// memory bounded by one page (schema/README.md "Answers view"):
//   answers/t/<answeredAtMs, 16 hex>/<sourceId>                    the response (JSON)
//   answers/m/<messageId or "-">/<16 hex time>/<sourceId>          "" (index)
//   answers/d/<district>/<16 hex time>/<sourceId>                  "" (index)
//   answers/s/<sourceId>                                           the entry carrying it, as
//                                                                  "<author hex>/<scope>/<seq>"
//                                                                  (first writer wins; version 2)
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "messaging/message_codec.h"
#include "store/view.h"

namespace mhero {

class AnswerView final : public View {
 public:
  std::string_view name() const override { return "answers"; }
  int version() const override { return 3; }
  Status apply(const Entry& entry, ViewBatch& batch) override;
};

/// The entry that carries response `source_id` as "<author hex>/<scope>/<seq>" (registry
/// EntryRef::to_string form); nullopt when no such response is held. Errors: the store's.
Result<std::optional<std::string>> answer_entry(const ViewReader& views, std::string_view source_id);

/// Which responses: to one message ("-" = answers matched to no message) and/or from one
/// district; empty = any.
struct AnswerFilter {
  std::string message_id;
  std::string district;
};

/// Calls `fn(response, cursor)` for each response matching `filter`, oldest answer first, until
/// it returns false. `after` is a cursor given to fn before ("" = from the start): the scan
/// resumes after it. Reads the store as it goes (one response at a time): memory does not grow
/// with the number of responses. Errors: invalid_argument for a cursor not made by this scan,
/// corruption for an undecodable value, store errors.
Status scan_answers(const ViewReader& views, const AnswerFilter& filter, std::string_view after,
                    const std::function<bool(const ResponseRecord&, const std::string& cursor)>& fn);

}  // namespace mhero
