/* smartmat: helpers shared by the pages (no framework, no build step). */
"use strict";
var smartmat = (function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }

  /* POST a device command; resolves to the JSON reply, rejects with an Error carrying the server's words. */
  function command(cmd, fields) {
    return fetch("/api/device/" + encodeURIComponent(cmd), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf(), "Accept": "application/json"},
      body: JSON.stringify(fields || {})
    }).then(function (r) {
      return r.json().catch(function () { return {error: "HTTP " + r.status}; }).then(function (body) {
        if (!r.ok) {
          var e = new Error(body.error || ("HTTP " + r.status));
          e.status = r.status;
          throw e;
        }
        return body;
      });
    });
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function fmt(v, digits) {
    return (v === null || v === undefined || isNaN(v)) ? "–" : Number(v).toFixed(digits === undefined ? 1 : digits);
  }

  /* uPlot options shared by the charts: dark, big type, two y axes (load kg, asymmetry %). */
  function chartOpts(width, height, xLabel) {
    var grid = {stroke: "#2a3340", width: 1};
    return {
      width: width, height: height, legend: {show: false}, cursor: {show: false},
      scales: {x: {time: false}, kg: {}, ai: {range: function (u, lo, hi) {
        var m = Math.max(10, Math.abs(lo || 0), Math.abs(hi || 0)); return [-m, m]; }}},
      axes: [
        {stroke: "#c8d0da", grid: grid, ticks: grid, label: xLabel, labelSize: 18, size: 34},
        {scale: "kg", stroke: "#7cc7ff", grid: grid, ticks: grid, size: 44},
        {scale: "ai", side: 1, stroke: "#ffb454", grid: {show: false}, ticks: grid, size: 40}
      ],
      series: [{}, {label: "load kg", scale: "kg", stroke: "#7cc7ff", width: 2},
               {label: "left/right %", scale: "ai", stroke: "#ffb454", width: 2}]
    };
  }

  /* Keep a uPlot chart as wide as its box (the box's width, not the window's, decides). */
  function fitWidth(plot, box, height, min) {
    var last = 0;
    function fit() {
      var w = Math.max(min || 200, Math.floor(box.clientWidth));
      if (w !== last) { last = w; plot.setSize({width: w, height: height}); }
    }
    if (window.ResizeObserver) { new ResizeObserver(fit).observe(box); }
    else { window.addEventListener("resize", fit); }
    fit();
  }

  return {csrf: csrf, command: command, getJSON: getJSON, fmt: fmt, chartOpts: chartOpts, fitWidth: fitWidth};
})();
