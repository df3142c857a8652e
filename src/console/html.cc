#include "console/html.h"

namespace mhero::console {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void Html::attrs(Attrs list) {
  for (const auto& [name, value] : list) {
    out_ += ' ';
    out_ += name;
    if (value == kBare) continue;
    out_ += "=\"";
    out_ += escape_html(value);
    out_ += '"';
  }
}

Html& Html::open(std::string_view tag, Attrs list) {
  out_ += '<';
  out_ += tag;
  attrs(list);
  out_ += '>';
  return *this;
}

Html& Html::close(std::string_view tag) {
  out_ += "</";
  out_ += tag;
  out_ += '>';
  return *this;
}

Html& Html::el(std::string_view tag, std::string_view body, Attrs list) {
  open(tag, list);
  out_ += escape_html(body);
  return close(tag);
}

Html& Html::empty(std::string_view tag, Attrs list) { return open(tag, list); }

Html& Html::text(std::string_view body) {
  out_ += escape_html(body);
  return *this;
}

Html& Html::prose(std::string_view body) {
  while (!body.empty()) {
    size_t open = body.find('`');
    size_t close = open == std::string_view::npos ? open : body.find('`', open + 1);
    if (close == std::string_view::npos) break;
    out_ += escape_html(body.substr(0, open));
    out_ += "<code>";
    out_ += escape_html(body.substr(open + 1, close - open - 1));
    out_ += "</code>";
    body.remove_prefix(close + 1);
  }
  out_ += escape_html(body);
  return *this;
}

Html& Html::option(std::string_view value, std::string_view body, bool selected) {
  if (selected) return el("option", body, {{"value", value}, {"selected", kBare}});
  return el("option", body, {{"value", value}});
}

Html& Html::link(std::string_view href, std::string_view body, Attrs list) {
  out_ += "<a href=\"";
  out_ += escape_html(href);
  out_ += '"';
  attrs(list);
  out_ += '>';
  out_ += escape_html(body);
  out_ += "</a>";
  return *this;
}

Html& Html::append(const Html& other) {
  out_ += other.out_;
  return *this;
}

}  // namespace mhero::console
