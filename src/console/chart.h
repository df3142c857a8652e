// Charts of the console, always beside a table holding the same figures (W3C WAI: a chart's long
// description): a server-rendered SVG bar chart (no JavaScript, a few hundred bytes), and the
// hook for a uPlot time series (assets/charts.js draws it from its table when JavaScript runs;
// the page must load the chart assets: chart_assets()).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "console/html.h"

namespace mhero::console {

struct Bar {
  std::string label;       // Row label.
  double value = 0;        // Bar length, in any unit (scaled to the largest).
  std::string value_text;  // Printed after the bar.
};

/// A horizontal bar chart in a <figure>: one bar per (label, value), scaled to the largest.
/// `title` is its accessible name and caption.
void bar_chart(Html& b, std::string_view title, const std::vector<Bar>& bars);

/// A <figure> where charts.js draws a uPlot time series from table `table_id`: its rows' first
/// cell carries `data-t` (Unix ms), every other cell with `data-v` is one series, named by its
/// column header. Without JavaScript the figure says the table holds the figures.
void time_series_chart(Html& b, std::string_view title, std::string_view table_id);

/// The embedded assets a page with a time series must load: uPlot's CSS and JS, charts.js.
std::span<const std::string_view> chart_assets();

}  // namespace mhero::console
