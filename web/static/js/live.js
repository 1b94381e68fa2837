/* smartmat live page: one EventSource on /events, the count, tilt gauge, CoP dot, chart, controls, sound. */
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var root = $("live");
  var mat = {width: parseFloat(root.dataset.widthM), length: parseFloat(root.dataset.lengthM)};
  var margin = parseFloat(root.dataset.tiltMargin) || 4;
  var WINDOW_S = 10;
  var st = {count: 0, set: 0, leg: null, target: null, tiltReps: 0, device: false, pi: false};

  /* ---- sound settings (localStorage) ---- */
  var prefs = {"speak-counts": true, "speak-cues": true, "vibrate": true};
  Object.keys(prefs).forEach(function (k) {
    var stored = null;
    try { stored = localStorage.getItem("smartmat." + k); } catch (e) { /* private mode */ }
    if (stored !== null) { prefs[k] = stored === "1"; }
    var box = $(k);
    box.checked = prefs[k];
    box.addEventListener("change", function () {
      prefs[k] = box.checked;
      try { localStorage.setItem("smartmat." + k, box.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    });
  });
  function say(text, urgent) {
    if (!("speechSynthesis" in window) || !text) { return; }
    if (urgent) { window.speechSynthesis.cancel(); }
    var u = new SpeechSynthesisUtterance(String(text));
    u.rate = 1.05;
    window.speechSynthesis.speak(u);
  }
  function buzz(pattern) {
    if (prefs.vibrate && navigator.vibrate) { navigator.vibrate(pattern); }
  }

  /* ---- connection state ---- */
  function showConn() {
    var banner = $("conn");
    $("pi-state").textContent = st.pi ? "Pi: live" : "Pi: offline";
    $("pi-state").className = "pill " + (st.pi ? "ok" : "bad");
    $("dev-state").textContent = st.device ? "Mat: connected" : "Mat: disconnected";
    $("dev-state").className = "pill " + (st.device ? "ok" : "bad");
    if (!st.pi) {
      banner.textContent = "Lost the connection to the Pi. Reconnecting…";
    } else if (!st.device) {
      banner.textContent = "The mat (device service) is not running. Waiting for it…";
    }
    banner.hidden = st.pi && st.device;
    document.body.classList.toggle("offline", !(st.pi && st.device));
  }

  /* ---- the figures ---- */
  function showCount() {
    $("count").textContent = st.count;
    $("target").textContent = st.target && st.target.reps ? st.target.reps : "–";
    var sets = st.target && st.target.sets ? " of " + st.target.sets : "";
    $("set-label").textContent = st.set ? "Set " + st.set + sets : "No set yet";
    $("leg-label").textContent = st.leg ? st.leg + " leg" : "leg –";
    $("tilt-count").textContent = st.tiltReps;
  }
  var PHASES = {rest: "ready", lift: "lift", hold: "hold", lower: "lower"};
  function showPhase(phase) {
    if (!phase) { return; }
    var el = $("phase");
    if (el.dataset.phase === phase) { return; }
    el.dataset.phase = phase;
    el.textContent = PHASES[phase] || phase;
  }
  function showTilt(tilt) {
    var gauge = $("tilt-gauge"), text = $("tilt-text"), marker = $("tilt-marker");
    if (tilt === null || tilt === undefined) {
      gauge.dataset.level = "none";
      text.textContent = "no reference yet";
      marker.style.left = "50%";
      return;
    }
    var a = Math.abs(tilt);
    var level = a < margin ? "ok" : (a < 2 * margin ? "warn" : "bad");
    gauge.dataset.level = level;
    gauge.setAttribute("aria-valuenow", String(tilt));
    /* tilt > 0: the load went to the user's left (SPEC 1: ai > 0 = more on the left) */
    var span = 4 * margin;
    var pos = 50 - 50 * Math.max(-1, Math.min(1, tilt / span));
    marker.style.left = pos.toFixed(1) + "%";
    text.textContent = level === "ok" ? "hips level" :
      "tilting " + (tilt > 0 ? "left " : "right ") + a.toFixed(0) + "%";
  }
  function showCop(e) {
    if (e.cop_x === null || e.cop_x === undefined || !(e.total > 5)) {
      $("cop").classList.add("off");
      return;
    }
    var x = Math.max(-mat.width / 2, Math.min(mat.width / 2, e.cop_x));
    var y = Math.max(-mat.length / 2, Math.min(mat.length / 2, e.cop_y));
    var cop = $("cop");
    cop.classList.remove("off");
    cop.setAttribute("cx", (100 * x).toFixed(1));
    cop.setAttribute("cy", (-100 * y).toFixed(1));
  }
  var warnTimer = null;
  function warn(text) {
    var el = $("warning");
    el.textContent = text;
    el.hidden = false;
    clearTimeout(warnTimer);
    warnTimer = setTimeout(function () { el.hidden = true; }, 6000);
  }

  /* ---- the chart: last WINDOW_S seconds of load and asymmetry ---- */
  var series = [[], [], []], plot = null, dirty = false;
  function chartSize() {
    var box = $("chart");
    return {w: Math.max(200, box.clientWidth), h: 170};
  }
  function makeChart() {
    if (typeof uPlot === "undefined") { return; }
    var s = chartSize();
    plot = new uPlot(smartmat.chartOpts(s.w, s.h, null), series, $("chart"));
    smartmat.fitWidth(plot, $("chart"), s.h, 200);
  }
  function addPoint(e) {
    var t = e.t;
    if (series[0].length && t < series[0][series[0].length - 1]) { series = [[], [], []]; } // a new stream time base
    series[0].push(t); series[1].push(e.total); series[2].push(e.ai);
    var cut = 0;
    while (cut < series[0].length && series[0][cut] < t - WINDOW_S) { cut++; }
    if (cut) { series = series.map(function (a) { return a.slice(cut); }); }
    if (!dirty) { dirty = true; requestAnimationFrame(draw); }
  }
  function draw() {
    dirty = false;
    if (!plot || !series[0].length) { return; }
    var last = series[0][series[0].length - 1];
    var rel = series[0].map(function (t) { return t - last; });
    plot.setData([rel, series[1], series[2]], false);
    plot.setScale("x", {min: -WINDOW_S, max: 0});
  }

  /* ---- events ---- */
  function fromStatus(s) {
    if (!s) { return; }
    st.count = s.count || 0; st.set = s.set || 0; st.leg = s.leg; st.target = s.target;
    if (s.profile_name) { $("who").textContent = s.profile_name; }
    setSelect("exercise", s.exercise); setSelect("leg", s.leg);
    setSelect("profile", s.selected_profile);
    if (s.target) { $("reps").value = s.target.reps || ""; $("sets").value = s.target.sets || ""; }
    if (s.state) { showState(s.state); }
    showCount();
  }
  function setSelect(id, value) {
    var el = $(id);
    if (document.activeElement !== el) { el.value = value === null || value === undefined ? "" : String(value); }
  }
  var STATES = {empty: "Step on the mat to begin", mounting: "Getting on…", settling: "Hold still…",
                ready: "", dismounting: "Getting off…"};
  function showState(s) { $("state-text").textContent = STATES[s] !== undefined ? STATES[s] : s; }

  var handlers = {
    hello: function (e) {
      st.device = e.device === "connected";
      if (e.mat) { mat.width = e.mat.width_m; mat.length = e.mat.length_m; }
      if (e.tilt_margin_pct) { margin = e.tilt_margin_pct; }
      fromStatus(e.status);
      showConn();
    },
    bus: function (e) { st.device = !!e.connected; showConn(); },
    frame: function (e) { addPoint(e); showCop(e); showTilt(e.tilt); showPhase(e.phase); },
    phase: function (e) { showPhase(e.phase); if (e.leg) { st.leg = e.leg; showCount(); } },
    rep: function (e) {
      st.count = e.count; st.set = e.set; st.leg = e.leg || st.leg;
      if (e.tilt) {
        st.tiltReps += 1;
        warn("Hips tilted " + (e.tilt_side ? "to the " + e.tilt_side : "") + " on rep " + e.count);
        buzz([120, 80, 120]);
      }
      showCount();
      if (prefs["speak-counts"]) { say(String(e.count), false); }
    },
    set: function (e) {
      st.set = e.set || st.set;
      if (e.leg) { st.leg = e.leg; }
      if (e.event === "start") { st.count = 0; st.tiltReps = 0; }
      showCount();
    },
    fault: function (e) {
      if (e.fault === "momentum") { warn("Too fast: control the leg"); }
      if (e.fault === "arch") { warn("Keep your back flat"); }
    },
    cue: function (e) {
      $("cue").textContent = e.text || e.cue;
      if (prefs["speak-cues"]) { say(e.text, true); }
    },
    target: function (e) { st.target = {reps: e.reps, sets: e.sets}; showCount(); },
    session: function (e) {
      $("who").textContent = e.event === "start" ? (e.profile_name || "guest") : "";
      if (e.event === "start") { st.count = 0; st.set = 0; st.tiltReps = 0; showCount(); }
    },
    profile: function (e) { setSelect("profile", e.profile); },
    state: function (e) { showState(e.state); },
    sensor_fault: function (e) {
      if (!e.ok) { warn("Load cell " + e.cell + " failed: " + e.message); }
    }
  };

  var es = null, lastMessage = 0;
  function connect() {
    if (es) { es.close(); }
    es = new EventSource("/events");
    es.onopen = function () { st.pi = true; lastMessage = Date.now(); showConn(); };
    es.onmessage = function (m) {
      lastMessage = Date.now();
      var e;
      try { e = JSON.parse(m.data); } catch (err) { return; }
      var h = handlers[e.type];
      if (h) { h(e); }
    };
    es.onerror = function () {
      st.pi = false; showConn();
      if (es.readyState === EventSource.CLOSED) { setTimeout(connect, 3000); } // refused (e.g. 503): try again
    };
  }
  /* A Wi-Fi drop can leave a dead connection open: reopen if nothing came for a while. */
  setInterval(function () {
    if (st.pi && st.device && Date.now() - lastMessage > 20000) { st.pi = false; showConn(); connect(); }
  }, 5000);

  /* ---- controls (need the PIN: the server says 403 otherwise) ---- */
  function msg(text, bad) {
    var el = $("control-msg");
    el.textContent = text;
    el.className = "control-msg" + (bad ? " bad" : "");
  }
  /* The line shows the newest command's outcome: pressing Start while the reps box has focus
     sends set_target (on blur) and start_set together, and their replies may come in either order.
     A refusal is always shown. */
  var sent = 0;
  function send(cmd, fields, done) {
    var mine = ++sent;
    return smartmat.command(cmd, fields).then(function (r) {
      if (mine === sent) { msg(done || "OK"); }
      return r;
    }, function (err) {
      if (err.status === 403) { msg("Pair this phone first (Settings → PIN).", true); }
      else { msg(err.message, true); }
      throw err;
    });
  }
  function ignore() { /* shown in the message line */ }
  $("profile").addEventListener("change", function () {
    send("select_profile", {profile: this.value || null}, "Profile chosen").catch(ignore);
  });
  $("exercise").addEventListener("change", function () {
    send("set_exercise", {exercise: this.value || null}, "Exercise set").catch(ignore);
  });
  $("leg").addEventListener("change", function () {
    send("set_leg", {leg: this.value || null}, "Leg set").catch(ignore);
  });
  function sendTarget() {
    send("set_target", {reps: $("reps").value || null, sets: $("sets").value || null}, "Target set").catch(ignore);
  }
  $("reps").addEventListener("change", sendTarget);
  $("sets").addEventListener("change", sendTarget);
  $("start").addEventListener("click", function () { send("start_set", {}, "Set started").catch(ignore); });
  $("stop").addEventListener("click", function () { send("stop_set", {}, "Set stopped").catch(ignore); });
  $("tare").addEventListener("click", function () { send("tare", {}, "Tared (the mat must be empty)").catch(ignore); });

  makeChart();
  showCount();
  connect();
})();
