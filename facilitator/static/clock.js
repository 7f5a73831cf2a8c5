// Clocks tick here, not on the server. Each countdown carries its deadline as a
// server epoch in ms (or its remaining ms when paused); this page learns its
// offset from the server clock when its socket opens and counts down locally,
// so every device in the room shows the same second, and a phone that wakes
// from sleep is right at once.
(function () {
  "use strict";

  var offset = 0;           // server time minus this device's time, in ms
  var bestRoundTrip = Infinity;
  var lastLeft = new WeakMap();

  function serverNow() { return Date.now() + offset; }

  // Ask the server for its time a few times; keep the answer with the shortest round trip.
  // Only while this connection is open: a probe queued offline would be sent on reconnecting
  // with a stale time, and its long round trip would set a wrong offset.
  var connection = 0;
  document.addEventListener("htmx:wsOpen", function (evt) {
    bestRoundTrip = Infinity;
    var socket = evt.detail.socketWrapper, mine = ++connection;
    [0, 300, 900].forEach(function (delay) {
      setTimeout(function () {
        if (mine !== connection) return;
        socket.send(JSON.stringify({ type: "clock.sync", sent: Date.now() }));
      }, delay);
    });
  });
  document.addEventListener("htmx:wsClose", function () { connection++; });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var probe = document.getElementById("server-clock");
    if (!probe || !probe.dataset.server) return;
    var received = Date.now();
    var sent = Number(probe.dataset.sent);
    var roundTrip = received - sent;
    if (roundTrip >= 0 && roundTrip < bestRoundTrip) {
      bestRoundTrip = roundTrip;
      offset = Number(probe.dataset.server) - (sent + received) / 2;
    }
    delete probe.dataset.server;
    tick();
  });

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function clockText(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  // 14:59 while time is left (whole seconds rounded up), 9.3 in the last ten
  // seconds, +1:12 in overtime.
  function format(left) {
    var tenths = Math.ceil(left / 100);
    if (left > 0 && tenths < 100) return (tenths / 10).toFixed(1);
    if (left > 0) return clockText(Math.ceil(left / 1000));
    if (left > -1000) return "0:00";
    return "+" + clockText(Math.floor(-left / 1000));
  }

  function tick() {
    var now = serverNow();
    document.querySelectorAll("[data-clock]").forEach(function (el) {
      if (el.dataset.since) {  // a clock that counts up: a turn without a limit
        var elapsed = clockText(Math.max(0, Math.floor((now - Number(el.dataset.since)) / 1000)));
        if (el.textContent !== elapsed) el.textContent = elapsed;
        return;
      }
      var deadline = el.dataset.deadline, remaining = el.dataset.remaining;
      if (!deadline && remaining === "") return;
      var left = deadline ? Number(deadline) - now : Number(remaining);
      var text = format(left);
      if (el.textContent !== text) el.textContent = text;
      var amber = Number(el.dataset.amber), red = Number(el.dataset.red);
      el.classList.toggle("over", left <= 0);
      el.classList.toggle("red", left > 0 && left <= red);
      el.classList.toggle("amber", left > red && left <= amber);
      el.classList.toggle("paused", !deadline);
      var before = lastLeft.get(el);
      if (el.hasAttribute("data-flash-at-zero") && deadline && before !== undefined && before > 0 && left <= 0) {
        el.classList.add("zero-flash");
        setTimeout(function () { el.classList.remove("zero-flash"); }, 3000);
      }
      lastLeft.set(el, left);
    });
    document.querySelectorAll("time[data-epoch]").forEach(function (el) {
      if (el.textContent) return;
      el.textContent = new Date(Number(el.dataset.epoch)).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
  }

  window.facilitatorClock = { serverNow: serverNow, offset: function () { return offset; }, text: clockText };
  setInterval(tick, 100);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("visibilitychange", tick);
  document.addEventListener("htmx:oobAfterSwap", tick);
})();
