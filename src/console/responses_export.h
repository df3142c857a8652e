// The streamed export of health workers' answers (`/responses.csv`, `/responses.json`): rows of
// messaging/response_rows.h (the same bytes as `mhero responses list --csv` / `--json` for the
// same filters), generated from the answers view `page_rows` at a time while the HTTP response
// is sent chunked (net::BodyStream), so 100,000 rows need no more memory than one page.
#pragma once

#include <string_view>

#include "messaging/answer_view.h"
#include "net/http_message.h"
#include "store/view.h"

namespace mhero::console {

enum class ExportFormat { csv, json };

/// A 200 response whose body streams every response matching `filter`, oldest answer first.
/// `views` must outlive the response (the node's store does). A store error part-way closes the
/// connection without the final chunk (net::BodyStream), so a client never takes a cut file for
/// a whole one.
net::HttpResponse responses_export(const ViewReader& views, AnswerFilter filter, ExportFormat format,
                                   size_t page_rows = 500);

}  // namespace mhero::console
