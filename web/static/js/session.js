/* smartmat session report: the stored session downsampled (10/s) with its reps shaded. */
"use strict";
(function () {
  var box = document.getElementById("session-chart");
  document.getElementById("print").addEventListener("click", function () { window.print(); });
  if (!box || typeof uPlot === "undefined") { return; }
  smartmat.getJSON("/api/sessions/" + encodeURIComponent(box.dataset.session) + "/chart").then(function (c) {
    if (!c.t.length) { box.textContent = "No frames stored for this session."; return; }
    var t0 = c.t[0];
    var x = c.t.map(function (t) { return t - t0; });
    var opts = smartmat.chartOpts(Math.max(240, box.clientWidth), 220, "seconds");
    opts.hooks = {drawClear: [function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      c.reps.forEach(function (r) {
        var a = u.valToPos(r.start - t0, "x", true), b = u.valToPos(r.end - t0, "x", true);
        ctx.fillStyle = r.tilt ? "rgba(255,92,92,0.28)" : "rgba(61,220,132,0.18)";
        ctx.fillRect(a, top, Math.max(1, b - a), h);
      });
    }]};
    var plot = new uPlot(opts, [x, c.total, c.ai], box);
    smartmat.fitWidth(plot, box, 220, 240);
  }, function (err) { box.textContent = "Chart unavailable: " + err.message; });
})();
