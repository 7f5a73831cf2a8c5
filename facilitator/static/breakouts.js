// A breakout worksheet on a phone: each section is its own form, kept in place while its
// member types (facilitator.js marks it hx-preserve), so another member's save never replaces
// half-typed text. When someone else saved the section meanwhile, say so beside it.
(function () {
  "use strict";

  // The version a member starts from is the one on their screen when they start typing.
  document.addEventListener("input", function (evt) {
    var form = evt.target.closest && evt.target.closest("form.ws-form");
    if (!form || form.dataset.started) return;
    form.dataset.started = "true";
    var status = statusOf(form);
    if (status) form.querySelector('input[name="based_on"]').value = status.dataset.versions;
  });

  function statusOf(form) {
    return document.getElementById(form.id.replace("ws-form-", "ws-status-"));
  }

  function mark() {
    document.querySelectorAll("form.ws-form").forEach(function (form) {
      var status = statusOf(form);
      if (!status) return;
      var typing = form.hasAttribute("data-typing");
      if (!typing) delete form.dataset.started;
      var based = Number(form.querySelector('input[name="based_on"]').value);
      var changed = typing && status.dataset.mine !== "true" && Number(status.dataset.versions) > based;
      var note = status.querySelector(".updated-note");
      if (note) note.hidden = !changed;
    });
  }

  document.addEventListener("htmx:oobAfterSwap", mark);
  document.addEventListener("htmx:wsAfterMessage", mark);

  // On the console, a member can be dragged onto another group: the drop submits that member's
  // own "Move" form with the group picked, so it is the same breakouts.move command as the menu.
  // The drag remembers whom it carries, not the element: a live update that replaces the
  // console's groups while the drag is in the air leaves the drop working.
  var dragged = null;  // the participant id in the air

  function carried() {
    if (!dragged) return null;
    return document.querySelector('#breakouts-console li.person[data-participant="' + CSS.escape(dragged) + '"]');
  }

  document.addEventListener("dragstart", function (evt) {
    var person = evt.target.closest && evt.target.closest("#breakouts-console li.person[draggable]");
    if (!person) return;
    dragged = person.dataset.participant;
    evt.dataTransfer.effectAllowed = "move";
    evt.dataTransfer.setData("text/plain", dragged);
    person.classList.add("dragging");
  });

  function dropZone(evt) {
    var person = carried();
    var zone = person && evt.target.closest && evt.target.closest("#breakouts-console [data-drop]");
    return zone && !zone.contains(person) ? zone : null;
  }

  document.addEventListener("dragover", function (evt) {
    var zone = dropZone(evt);
    if (!zone) return;
    evt.preventDefault();
    evt.dataTransfer.dropEffect = "move";
    zone.classList.add("drop-here");
  });

  document.addEventListener("dragleave", function (evt) {
    var zone = evt.target.closest && evt.target.closest("[data-drop]");
    if (zone && !zone.contains(evt.relatedTarget)) zone.classList.remove("drop-here");
  });

  document.addEventListener("drop", function (evt) {
    var zone = dropZone(evt);
    if (!zone) return;
    evt.preventDefault();
    zone.classList.remove("drop-here");
    var person = carried();
    dragged = null;  // done: a detached source may never hear its dragend
    person.classList.remove("dragging");
    var form = person.querySelector("form.move");
    var select = form && form.querySelector('select[name="group_id"]');
    if (!select) return;
    select.value = zone.dataset.group;
    form.requestSubmit(form.querySelector('button[type="submit"]'));
  });

  document.addEventListener("dragend", function () {
    var person = carried();
    if (person) person.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll("#breakouts-console .drop-here").forEach(function (zone) {
      zone.classList.remove("drop-here");
    });
  });

  // The report-back on the screen: the largest type (--report-fit, from 1 down to SMALLEST) at
  // which the group's header, recommendation and worksheet all fit the projector; a section still
  // too long at the smallest is cut with a fade (class "cut"). data-fit says the fitting is done.
  // The scale sits on <html>, which no swap replaces (htmx resets a swapped element's style).
  var SMALLEST = 0.6;

  function overflowing(screen) {
    if (screen.scrollHeight > screen.clientHeight + 1) return true;
    return Array.prototype.some.call(screen.querySelectorAll(".ws-section p"), function (p) {
      return p.scrollHeight > p.clientHeight + 1;
    });
  }

  function fit() {
    var screen = document.getElementById("breakout-screen");
    if (!screen || !screen.classList.contains("shown")) return;
    var root = document.documentElement.style, low = SMALLEST, high = 1;
    root.setProperty("--report-fit", "1");
    if (overflowing(screen)) {
      for (var i = 0; i < 8; i++) {
        var middle = (low + high) / 2;
        root.setProperty("--report-fit", String(middle));
        if (overflowing(screen)) high = middle; else low = middle;
      }
      root.setProperty("--report-fit", String(low));
    } else {
      low = 1;
    }
    screen.querySelectorAll(".ws-section p").forEach(function (p) {
      p.classList.toggle("cut", p.scrollHeight > p.clientHeight + 1);
    });
    screen.dataset.fit = low.toFixed(3);
  }

  // After the message is swapped in and settled, when it carried the report-back.
  document.addEventListener("htmx:wsAfterMessage", function (evt) {
    var message = evt.detail && evt.detail.message;
    if (typeof message === "string" && message.indexOf('id="breakout-screen"') >= 0) fit();
  });
  window.addEventListener("resize", fit);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
})();
