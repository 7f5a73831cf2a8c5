// Facilitator pages: retry-safe command ids, a quiet reconnect notice, confirmations.
(function () {
  "use strict";

  // Back off quickly to a 10 s ceiling: a phone waking from sleep should be live at once.
  // A server that said it is restarting (1012) is back in seconds: retry within 2 s for a
  // while, so a hall of phones returns soon after it does instead of waiting out a long backoff.
  var restarting = false;
  htmx.config.wsReconnectDelay = function (retry) {
    var longest = restarting && retry < RESTART_RETRIES ? 2000 : 10000;
    var ceiling = Math.min(longest, 500 * Math.pow(2, Math.min(retry, 5)));
    return ceiling / 2 + Math.random() * ceiling / 2;
  };
  var RESTART_RETRIES = 30;
  document.addEventListener("htmx:wsClose", function (evt) {
    if (evt.detail.event && evt.detail.event.code === 1012) restarting = true;
  });
  document.addEventListener("htmx:wsOpen", function () {
    restarting = false;
  });

  function newId() {
    // crypto.randomUUID needs a secure context; phones on plain http LAN addresses lack one.
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  var resetOnAck = {};  // command id -> the id of the form to empty once that command is accepted

  // A command keeps its id until the server acknowledges it, so a tap repeated
  // while offline, or resent after reconnecting, is applied once.
  document.addEventListener("htmx:wsConfigSend", function (evt) {
    var elt = evt.detail.elt;
    var confirmWith = elt.getAttribute("data-confirm") ||
      (evt.detail.triggeringEvent && evt.detail.triggeringEvent.submitter &&
       evt.detail.triggeringEvent.submitter.getAttribute("data-confirm"));
    if (confirmWith && !elt.dataset.commandId && !window.confirm(confirmWith)) {
      evt.preventDefault();
      return;
    }
    if (!elt.dataset.commandId) elt.dataset.commandId = newId();
    evt.detail.parameters.id = elt.dataset.commandId;
    // A form sent from a privacy warning is gone by the time its ack arrives (the warning closes
    // in the same message): remember which form to empty then.
    if (elt.getAttribute("data-reset-on-ack")) resetOnAck[elt.dataset.commandId] = elt.getAttribute("data-reset-on-ack");
    // A time of day means the facilitator's own wall clock: say which one.
    if (evt.detail.parameters.utc_offset_minutes === "") {
      evt.detail.parameters.utc_offset_minutes = String(-new Date().getTimezoneOffset());
    }
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var ack = document.getElementById("ack");
    var id = ack && ack.getAttribute("data-command-id");
    if (!id) return;
    ack.removeAttribute("data-command-id");
    var accepted = ack.getAttribute("data-accepted") === "true";
    // A value names another form to empty: the one a privacy warning was answered for.
    var other = resetOnAck[id] && document.getElementById(resetOnAck[id]);
    delete resetOnAck[id];
    if (accepted && other) settled(other, true);
    document.querySelectorAll("[data-command-id]").forEach(function (elt) {
      if (elt.dataset.commandId !== id) return;
      delete elt.dataset.commandId;
      if (!accepted) return;
      settled(elt, elt.getAttribute("data-reset-on-ack") === "");
    });
  });

  // A form whose command was accepted: a saved edit closes, a sent answer is no longer being
  // typed (the next update shows what was saved), and a form that asks to be emptied is.
  function settled(elt, empty) {
    var editing = elt.closest("details[data-keep-while-open]");
    if (editing) editing.open = false;
    var typing = elt.closest("[data-keep-while-typing]");
    if (typing) typing.removeAttribute("data-typing");
    if (empty && elt.reset) {
      // Fields marked data-sticky keep their value: the kind and lengths of the next agenda item.
      var sticky = Array.prototype.map.call(elt.querySelectorAll("[data-sticky][name]"), function (field) {
        return [field, field.value];
      });
      elt.reset();
      sticky.forEach(function (kept) { kept[0].value = kept[1]; });
    }
    // A form for several entries in a row puts the cursor back where the next one starts.
    var focus = elt.getAttribute("data-focus-on-ack");
    if (focus && elt.elements && elt.elements[focus]) elt.elements[focus].focus();
  }

  // Show "Reconnecting…" only after two seconds offline, never on a blip.
  var offlineTimer = null;
  document.addEventListener("htmx:wsClose", function (evt) {
    var closed = evt.detail && evt.detail.event;
    if (closed && closed.code === 1008) {  // turned away for good: say why, and do not come back
      clearTimeout(offlineTimer);
      offlineTimer = null;
      document.getElementById("offline").hidden = true;
      var gone = document.getElementById("gone");
      if (closed.reason) gone.querySelector(".gone-reason").textContent = closed.reason;
      gone.hidden = false;
      var flash = document.getElementById("flash");
      if (flash && flash.textContent.trim() === closed.reason) flash.textContent = "";
      return;
    }
    if (offlineTimer === null) {
      offlineTimer = setTimeout(function () {
        document.getElementById("offline").hidden = false;
      }, 2000);
    }
  });
  document.addEventListener("htmx:wsOpen", function () {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    document.getElementById("offline").hidden = true;
  });

  // Errors fade after a while; the server may send a new one at any time.
  var flashTimer = null;
  document.addEventListener("htmx:wsAfterMessage", function () {
    var flash = document.getElementById("flash");
    if (!flash || !flash.textContent.trim()) return;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () {
      var current = document.getElementById("flash");
      if (current && current.classList.contains("error")) current.textContent = "";
    }, 8000);
  });

  // A button that closes a notice, e.g. "Edit it first" on a privacy warning.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-dismiss]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-dismiss"));
    if (target) target.replaceChildren();
  });

  // What someone is typing inside a live fragment survives the fragment being replaced: an
  // editing form while it is open (details[data-keep-while-open]), or an answer being written
  // ([data-keep-while-typing], from the first keystroke until the server accepts it).
  // htmx keeps an element in place when the incoming copy is marked hx-preserve, and only this
  // page knows what is open or half typed, so it marks the incoming copies itself.
  var KEPT = "details[data-keep-while-open][open][id], [data-keep-while-typing][data-typing][id]";

  document.addEventListener("input", function (evt) {
    var typing = evt.target.closest && evt.target.closest("[data-keep-while-typing][id]");
    if (typing) typing.setAttribute("data-typing", "");
  });

  // A section someone opened stays open when its fragment is replaced (details[data-remember-open]:
  // the phone's agenda, "Add an item"): only this page knows it was opened.
  var REMEMBERED = "details[data-remember-open][id]";
  // Where the cursor was, inside a replaced fragment: a field of a form with an id.
  var refocus = null;

  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var fragment = evt.detail.fragment, target = evt.detail.target;
    if (!fragment || !fragment.querySelector || !target || !target.querySelectorAll) return;
    target.querySelectorAll(KEPT).forEach(function (kept) {
      var incoming = fragment.querySelector("#" + CSS.escape(kept.id));
      if (incoming) incoming.setAttribute("hx-preserve", "true");
    });
    var remembered = Array.prototype.slice.call(target.querySelectorAll(REMEMBERED));
    if (target.matches(REMEMBERED)) remembered.push(target);
    remembered.forEach(function (details) {
      var incoming = fragment.querySelector("#" + CSS.escape(details.id));
      if (incoming) incoming.open = details.open;
    });
    // A form's data-sticky fields keep what was chosen in them when the form is replaced.
    target.querySelectorAll("form[id] [data-sticky][name]").forEach(function (field) {
      var form = fragment.querySelector("#" + CSS.escape(field.form.id));
      var incoming = form && form.elements[field.name];
      if (incoming) incoming.value = field.value;
    });
    var active = document.activeElement;
    if (active && active.name && active.form && active.form.id && target.contains(active)) {
      refocus = { form: active.form.id, name: active.name };
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    var wanted = refocus;
    refocus = null;
    if (!wanted || (document.activeElement && document.activeElement !== document.body)) return;
    var form = document.getElementById(wanted.form), field = form && form.elements[wanted.name];
    if (field && field.focus) field.focus();
  });
})();
