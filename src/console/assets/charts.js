// mHero console: draws each time series (<div data-chart-table="ID">) with uPlot from the table
// that holds the same figures. Optional: without this file the table is the chart's content.
// Table shape (src/console/chart.h): the first cell of each body row has data-t (Unix ms); every
// cell with data-v is a point of the series named by its column header.
"use strict";
(function () {
  function draw(target) {
    var table = document.getElementById(target.getAttribute("data-chart-table"));
    if (!table || typeof uPlot === "undefined") return;
    var heads = table.querySelectorAll("thead th");
    var rows = table.querySelectorAll("tbody tr");
    var xs = [], series = [], names = [];
    rows.forEach(function (row, r) {
      var cells = row.querySelectorAll("th, td");
      xs.push(Number(cells[0].getAttribute("data-t")) / 1000);
      var s = 0;
      cells.forEach(function (cell, c) {
        if (!cell.hasAttribute("data-v")) return;
        if (r === 0) { series.push([]); names.push(heads[c] ? heads[c].textContent : "value"); }
        series[s++].push(Number(cell.getAttribute("data-v")));
      });
    });
    if (xs.length === 0) return;
    var colours = ["#0b5d7a", "#b35900", "#2e7d32"];
    // Up to now, at least six hours when the message is that old, so a message answered within the
    // hour is not a lone dot; never hours ahead of the last one (a time still to come is empty).
    var lo = xs[0], now = Date.now() / 1000;
    var hi = Math.max(xs[xs.length - 1] + 3600, Math.min(lo + 6 * 3600, now));
    var opts = {
      width: Math.min(target.parentNode.clientWidth - 24, 760), height: 240,
      scales: { x: { time: true, range: function () { return [lo, hi]; } }, y: { range: function (u, min, max) { return [0, Math.max(1, Math.ceil(max * 1.2))]; } } },
      series: [{ label: "Hour (UTC)" }].concat(names.map(function (name, i) {
        return { label: name, stroke: colours[i % colours.length], width: 2, points: { show: true, size: 6 },
                 fill: i === 0 ? "rgba(11,93,122,0.12)" : undefined };
      })),
      // 24-hour UTC labels, as every time the console prints ("14:00", the day under midnight).
      axes: [{ values: function (u, splits) {
        return splits.map(function (ts) {
          var d = new Date(ts * 1000), hh = ("0" + d.getUTCHours()).slice(-2), mm = ("0" + d.getUTCMinutes()).slice(-2);
          return hh === "00" && mm === "00" ? d.toISOString().slice(0, 10) : hh + ":" + mm;
        });
      } }, { label: "Responses" }],
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); }
    };
    target.textContent = "";
    new uPlot(opts, [xs].concat(series), target);
  }
  document.querySelectorAll("[data-chart-table]").forEach(draw);
})();
