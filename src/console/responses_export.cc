#include "console/responses_export.h"

#include "messaging/response_rows.h"

namespace mhero::console {

namespace {

class AnswerStream final : public net::BodyStream {
 public:
  AnswerStream(const ViewReader& views, AnswerFilter filter, ExportFormat format, size_t page_rows)
      : views_(views), filter_(std::move(filter)), format_(format), page_rows_(page_rows == 0 ? 1 : page_rows) {}

  Result<bool> next(std::string& out) override {
    if (finished_) return false;
    if (!started_) {
      started_ = true;
      out = format_ == ExportFormat::csv ? response_csv_header() : "[";
    }
    size_t rows = 0;
    bool more = false;
    Status s = scan_answers(views_, filter_, cursor_, [&](const ResponseRecord& r, const std::string& cursor) {
      if (rows == page_rows_) {
        more = true;
        return false;
      }
      if (format_ == ExportFormat::csv) {
        out += response_csv_row(r);
      } else {
        out += written_ == 0 ? "\n  " : ",\n  ";
        out += response_json(r).dump();
      }
      ++rows;
      ++written_;
      cursor_ = cursor;
      return true;
    });
    MHERO_RETURN_IF_ERROR(s);
    if (!more) {
      finished_ = true;
      if (format_ == ExportFormat::json) out += written_ == 0 ? "]\n" : "\n]\n";
    }
    return true;
  }

 private:
  const ViewReader& views_;
  AnswerFilter filter_;
  ExportFormat format_;
  size_t page_rows_;
  std::string cursor_;
  size_t written_ = 0;
  bool started_ = false, finished_ = false;
};

}  // namespace

net::HttpResponse responses_export(const ViewReader& views, AnswerFilter filter, ExportFormat format, size_t page_rows) {
  net::HttpResponse r;
  bool csv = format == ExportFormat::csv;
  r.headers = {{"Content-Type", csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8"},
               {"Content-Disposition", csv ? "attachment; filename=\"responses.csv\"" : "attachment; filename=\"responses.json\""}};
  r.stream = std::make_shared<AnswerStream>(views, std::move(filter), format, page_rows);
  return r;
}

}  // namespace mhero::console
