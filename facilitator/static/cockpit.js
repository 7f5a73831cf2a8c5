// The facilitator's cockpit (templates/console.html): tabs, keyboard shortcuts, the run of show.
(function () {
  "use strict";

  // -- Tabs. The tab buttons and panels belong to the page, not to any fragment, so live
  // updates never touch which one is open; sessionStorage keeps it across a reload.
  var STORE = "cockpit-tab:" + location.pathname;

  function showTab(name) {
    var found = false;
    document.querySelectorAll("[role=tab][data-tab]").forEach(function (tab) {
      var selected = tab.dataset.tab === name;
      found = found || selected;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      if (panel) panel.hidden = !selected;
    });
    if (found) sessionStorage.setItem(STORE, name);
    return found;
  }

  document.addEventListener("click", function (evt) {
    var tab = evt.target.closest && evt.target.closest("[role=tab][data-tab]");
    if (tab) showTab(tab.dataset.tab);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("[role=tab][data-tab]");
    if (!first) return;
    if (!showTab(sessionStorage.getItem(STORE) || "")) showTab(first.dataset.tab);
  });

  // -- Shortcuts, for when hands are busy. A key presses the element that carries
  // data-key="<key>" on the page right now (enabled and shown): the fragments decide what each
  // key does, by where they put the attribute. Never while typing, never with Ctrl, Alt or Meta.
  var KEYS = { " ": "space", "n": "n", "N": "n", "+": "+", "=": "+", "-": "-", "_": "-", "\u2212": "-",
               "g": "g", "G": "g", "s": "s", "S": "s" };
  var swallowSpaceUp = false;

  function typing(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  function pressable(key) {
    var all = document.querySelectorAll('[data-key="' + CSS.escape(key) + '"]');
    for (var i = 0; i < all.length; i++) {
      var elt = all[i];
      if (!elt.disabled && elt.getClientRects().length) return elt;
    }
    return null;
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.altKey || evt.metaKey || evt.isComposing || evt.defaultPrevented) return;
    if (typing(evt.target)) return;
    var key = KEYS[evt.key];
    if (!key) return;
    // Space would also scroll the page or press whichever button has the focus: it is ours.
    evt.preventDefault();
    if (key === "space") swallowSpaceUp = true;
    if (evt.repeat) return;  // a key held down is one press
    var target = pressable(key);
    if (!target) return;
    target.click();
    target.classList.add("key-pressed");
    setTimeout(function () { target.classList.remove("key-pressed"); }, 300);
  });

  document.addEventListener("keyup", function (evt) {
    if (evt.key === " " && swallowSpaceUp) {
      swallowSpaceUp = false;
      evt.preventDefault();
    }
  });

  // -- The run of show. A projected time is max(fixed, now + after-now) (see
  // facilitator/timers/run_of_show.py): it moves with the clock while a phase is paused or in
  // overtime, so it is worked out here, every second, from the server's time.
  function projected(el, now) {
    var fixed = Number(el.dataset.fixed), after = el.dataset.afterNow;
    return after === "" || after === undefined ? fixed : Math.max(fixed, now + Number(after));
  }

  // In whole minutes of the times shown beside it (which drop their seconds), so "Ends about
  // 12:30 · planned 12:30" is never "1 min behind".
  function minutesBehind(at, planned) {
    return Math.floor(at / 60000) - Math.floor(planned / 60000);
  }

  function behindText(minutes) {
    if (minutes === 0) return "on time";
    return Math.abs(minutes) + " min " + (minutes > 0 ? "behind" : "ahead");
  }

  function update() {
    var clock = window.facilitatorClock;
    var now = clock ? clock.serverNow() : Date.now();
    document.querySelectorAll("[data-fixed]").forEach(function (el) {
      var at = projected(el, now), text;
      if (el.hasAttribute("data-behind")) {
        var minutes = minutesBehind(at, Number(el.dataset.planned));
        text = behindText(minutes);
        el.classList.toggle("late", minutes > 0);
        el.classList.toggle("early", minutes < 0);
      } else {
        text = new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }

  setInterval(update, 1000);
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:oobAfterSwap", update);
})();
