/* smartmat history: reps per session and the share of tilted reps, oldest to newest. */
"use strict";
(function () {
  var box = document.getElementById("trend");
  if (!box || typeof uPlot === "undefined") { return; }
  var q = box.dataset.profile ? "?profile=" + encodeURIComponent(box.dataset.profile) : "";
  smartmat.getJSON("/api/trends" + q).then(function (rows) {
    if (rows.length < 1) { box.textContent = "No sessions yet."; return; }
    var grid = {stroke: "#2a3340", width: 1};
    var opts = {
      width: Math.max(240, box.clientWidth), height: 180, legend: {show: false}, cursor: {show: false},
      scales: {x: {time: false}, reps: {range: function (u, lo, hi) { return [0, Math.max(5, hi)]; }},
               pct: {range: [0, 100]}},
      axes: [{stroke: "#c8d0da", grid: grid, ticks: grid, label: "session", labelSize: 18, size: 34},
             {scale: "reps", stroke: "#7cc7ff", grid: grid, ticks: grid, size: 40},
             {scale: "pct", side: 1, stroke: "#ffb454", grid: {show: false}, ticks: grid, size: 40}],
      series: [{}, {label: "reps", scale: "reps", stroke: "#7cc7ff", width: 2, points: {size: 8}},
               {label: "tilt %", scale: "pct", stroke: "#ffb454", width: 2, points: {size: 8}}]
    };
    var plot = new uPlot(opts, [rows.map(function (r) { return r.id; }), rows.map(function (r) { return r.reps; }),
                     rows.map(function (r) { return r.tilt_pct; })], box);
    smartmat.fitWidth(plot, box, 180, 240);
  }, function (err) { box.textContent = "Trends unavailable: " + err.message; });
})();
