// Share of voice moves while someone speaks. Each row carries the milliseconds
// of its ended turns (data-base) and, for whoever speaks now, the start of the
// turn (data-since, server time). Bars are scaled to the larger of the longest
// time and the equal share, and a row above `factor` times the equal share is
// flagged. The server renders the same figures when a turn ends.
(function () {
  "use strict";

  function update() {
    var clock = window.facilitatorClock;
    if (!clock) return;
    var now = clock.serverNow();
    document.querySelectorAll("[data-voice]").forEach(function (box) {
      var rows = Array.prototype.slice.call(box.querySelectorAll("[data-voice-row]"));
      if (!rows.length) return;
      var times = rows.map(function (row) {
        var since = row.dataset.since ? Math.max(0, now - Number(row.dataset.since)) : 0;
        return Number(row.dataset.base) + since;
      });
      var total = times.reduce(function (a, b) { return a + b; }, 0);
      var equal = total / rows.length;
      var scale = Math.max(equal, Math.max.apply(null, times)) || 1;
      var factor = Number(box.dataset.factor);
      var balance = box.querySelector(".balance strong");  // 1 - Gini, scaled: as facilitator/timers/floor/accounting.py
      if (balance && rows.length > 1 && total > 0) {
        var n = rows.length, differences = 0;
        times.forEach(function (a) { times.forEach(function (b) { differences += Math.abs(a - b); }); });
        balance.textContent = (1 - differences / (2 * n * total) * n / (n - 1)).toFixed(2);
      }
      rows.forEach(function (row, i) {
        var fill = row.querySelector(".bar-fill");
        if (fill) fill.style.width = (100 * times[i] / scale).toFixed(1) + "%";
        var mark = row.querySelector(".bar-equal");
        if (mark) mark.style.left = (100 * equal / scale).toFixed(1) + "%";
        var shown = row.querySelector("[data-voice-time]");
        if (shown) shown.textContent = clock.text(Math.floor(times[i] / 1000));
        var share = row.querySelector("[data-voice-share]");
        if (share) share.textContent = total ? Math.round(100 * times[i] / total) : 0;
        if (factor) row.classList.toggle("dominant", rows.length > 1 && total > 0 && times[i] > factor * equal);
      });
    });
  }

  setInterval(update, 500);
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:oobAfterSwap", update);
})();
