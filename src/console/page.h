// Building console responses: the shared layout (skip link, header with node id, role and
// district, navigation, user and logout form, main landmark), error pages that say what went
// wrong and what to do, redirects and the CSRF field every form carries.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "console/html.h"
#include "console/router.h"

namespace mhero::console {

/// A 200 (or `status`) HTML page: `title` is the <title> and the <h1>; `body` goes below the h1
/// inside <main id="main">. `Cache-Control: no-store`. `extra_assets` names embedded assets
/// ("charts.js", "uPlot.min.css") this page alone loads (CSS as a stylesheet, JS deferred).
net::HttpResponse html_page(const PageRequest& req, std::string_view title, const Html& body,
                            int status = 200, std::span<const std::string_view> extra_assets = {});

/// An error page: `title` as h1, then `what` (what went wrong) and `advice` (what to do).
net::HttpResponse error_page(const PageRequest& req, int status, std::string_view title,
                             std::string_view what, std::string_view advice);

/// 303 See Other to `location` (a path of this console).
net::HttpResponse redirect(std::string_view location);

/// `<input type="hidden" name="csrf" value="…">` with the session's token: put it in every form
/// that POSTs (the gate refuses a POST without it with 403).
Html csrf_field(const PageRequest& req);

/// "2026-11-30 19:12:05 UTC" of Unix ms; "never" for 0.
std::string display_time(int64_t ms);

/// A path with query `params` (empty values left out), e.g. "/audit?user=ama&page=2".
std::string with_query(std::string_view path,
                       std::initializer_list<std::pair<std::string_view, std::string>> params);

}  // namespace mhero::console
