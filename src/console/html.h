// A tiny HTML builder for the console's server-rendered pages. Everything that is not a tag or
// attribute name written in our code is escaped: text and attribute values always go through
// escape_html(). Trusted markup can only come from another Html or from a string literal, so a
// value read from the store or a request can never become markup.
//
// Not thread-safe (one builder per response); cheap to move.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace mhero::console {

/// `text` with & < > " ' replaced by character references (safe in text and quoted attributes).
std::string escape_html(std::string_view text);

class Html {
 public:
  /// Attribute name (our code's constant) and value (escaped). An attribute whose value is the
  /// special string kBare is written without a value (`required`, `selected`).
  using Attrs = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  static constexpr std::string_view kBare = "\x01";

  /// `<tag a="v">`. `tag` is our code's constant.
  Html& open(std::string_view tag, Attrs attrs = {});
  /// `</tag>`.
  Html& close(std::string_view tag);
  /// `<div class="table-wrap" tabindex="0">`, closed with close("div"): a table in it scrolls
  /// sideways inside the page on a narrow screen (a phone at 360 px) instead of widening it, and
  /// keyboard users can scroll it too (WCAG 2.1.1; axe scrollable-region-focusable).
  Html& open_table_wrap() { return open("div", {{"class", "table-wrap"}, {"tabindex", "0"}}); }
  /// `<tag a="v">escaped text</tag>`.
  Html& el(std::string_view tag, std::string_view text, Attrs attrs = {});
  /// A void element: `<input a="v">`.
  Html& empty(std::string_view tag, Attrs attrs = {});
  /// Escaped text.
  Html& text(std::string_view text);
  /// Escaped text in which each `back-quoted` span becomes <code>span</code> (the commands our
  /// messages name, as in "run `mhero log verify`"); an unpaired back quote stays as it is.
  Html& prose(std::string_view text);
  /// `<a href="href">escaped text</a>` (href escaped too).
  Html& link(std::string_view href, std::string_view text, Attrs attrs = {});
  /// `<option value="value">escaped text</option>`, with `selected` when `selected`.
  Html& option(std::string_view value, std::string_view text, bool selected);
  /// A fragment built by another Html (already safe).
  Html& append(const Html& other);
  /// Trusted markup, from a string literal only.
  template <size_t N>
  Html& literal(const char (&markup)[N]) {
    out_.append(markup, N - 1);
    return *this;
  }

  const std::string& str() const& { return out_; }
  std::string str() && { return std::move(out_); }
  bool empty_text() const { return out_.empty(); }

 private:
  void attrs(Attrs list);
  std::string out_;
};

}  // namespace mhero::console
