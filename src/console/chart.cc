#include "console/chart.h"

#include <algorithm>

namespace mhero::console {

void bar_chart(Html& b, std::string_view title, const std::vector<Bar>& bars) {
  double top = 1;
  for (const auto& bar : bars) top = std::max(top, bar.value);
  const int row = 22, width = 320, label_w = 110;
  int height = static_cast<int>(bars.size()) * row + 4;
  b.open("figure", {{"class", "chart"}});
  b.open("svg", {{"role", "img"},
                 {"aria-label", title},
                 {"width", std::to_string(width + label_w + 70)},
                 {"height", std::to_string(height)},
                 {"viewBox", "0 0 " + std::to_string(width + label_w + 70) + " " + std::to_string(height)}});
  int y = 2;
  for (const auto& bar : bars) {
    int w = static_cast<int>(bar.value / top * width);
    std::string label = bar.label.size() > 16 ? bar.label.substr(0, 15) + "…" : bar.label;
    b.el("text", label, {{"x", "0"}, {"y", std::to_string(y + 15)}, {"class", "chart-label"}});
    // In SVG (foreign content) an element must be closed: never a bare void tag.
    b.el("rect", "", {{"x", std::to_string(label_w)},
                     {"y", std::to_string(y + 3)},
                     {"width", std::to_string(std::max(w, 1))},
                     {"height", "14"},
                     {"class", "chart-bar"}});
    b.el("text", bar.value_text, {{"x", std::to_string(label_w + w + 6)}, {"y", std::to_string(y + 15)}, {"class", "chart-value"}});
    y += row;
  }
  b.close("svg");
  b.el("figcaption", std::string(title) + " (the table holds the same figures)");
  b.close("figure");
}

void time_series_chart(Html& b, std::string_view title, std::string_view table_id) {
  b.open("figure", {{"class", "chart timeseries"}});
  b.el("div", "", {{"class", "uplot-target"}, {"data-chart-table", table_id}, {"data-chart-title", title},
                   {"role", "img"}, {"aria-label", title}});
  b.el("figcaption", std::string(title) + " (the table holds the same figures)");
  b.close("figure");
}

std::span<const std::string_view> chart_assets() {
  static constexpr std::string_view assets[] = {"uPlot.min.css", "uPlot.iife.min.js", "charts.js"};
  return assets;
}

}  // namespace mhero::console
