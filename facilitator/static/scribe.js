// The scribe panel, keyboard first: Enter posts, "/b " at the start picks the kind
// (i, b, r, a, d, q), and Tab completes a #tag from the tags already used in the room.
(function () {
  "use strict";

  function input() { return document.getElementById("note-text"); }

  function usedTags() {
    var links = document.getElementById("note-links");
    return links && links.dataset.tags ? links.dataset.tags.split(" ") : [];
  }

  // The #word the caret is in, if any.
  function partialTag(field) {
    var before = field.value.slice(0, field.selectionStart);
    var match = /(^|\s)#([\w-]*)$/.exec(before);
    return match ? { prefix: match[2].toLowerCase(), start: before.length - match[2].length } : null;
  }

  function suggestions(field) {
    var partial = partialTag(field);
    if (!partial) return [];
    return usedTags().filter(function (tag) { return tag.indexOf(partial.prefix) === 0 && tag !== partial.prefix; }).slice(0, 6);
  }

  function show(field) {
    var box = document.getElementById("tag-suggestions");
    if (!box) return;
    box.replaceChildren();
    suggestions(field).forEach(function (tag, index) {
      var option = document.createElement("button");
      option.type = "button";
      option.className = "suggestion" + (index === 0 ? " first" : "");
      option.setAttribute("role", "option");
      option.dataset.tag = tag;
      option.textContent = "#" + tag;
      box.appendChild(option);
    });
  }

  function accept(field, tag) {
    var partial = partialTag(field);
    if (!partial) return;
    var end = field.selectionStart;
    field.value = field.value.slice(0, partial.start) + tag + " " + field.value.slice(end);
    var caret = partial.start + tag.length + 1;
    field.setSelectionRange(caret, caret);
    show(field);
  }

  function pickKind(field) {
    var match = /^\/([a-z])\s/.exec(field.value);
    if (!match) return;
    var radio = document.querySelector('#note-form input[name="kind"][data-key="' + match[1] + '"]');
    if (!radio) return;
    radio.checked = true;
    field.value = field.value.slice(match[0].length);
  }

  document.addEventListener("input", function (evt) {
    if (evt.target !== input()) return;
    pickKind(evt.target);
    show(evt.target);
  });

  document.addEventListener("keydown", function (evt) {
    var field = input();
    if (evt.target !== field) return;
    if (evt.key === "Tab" && !evt.shiftKey) {
      var first = suggestions(field)[0];
      if (first) { evt.preventDefault(); accept(field, first); }
    } else if (evt.key === "Escape") {
      document.getElementById("tag-suggestions").replaceChildren();
    }
  });

  // The item and speaker chosen for the note being typed outlast their lists being drawn again
  // (another scribe's note brings a new tag, someone joins): each choice still on offer is kept.
  var chosen = null;
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "note-links") return;
    chosen = {};
    evt.detail.target.querySelectorAll("select[name]").forEach(function (select) { chosen[select.name] = select.value; });
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var links = document.getElementById("note-links");
    if (!chosen || !links) return;
    links.querySelectorAll("select[name]").forEach(function (select) {
      var value = chosen[select.name];
      if (value && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) select.value = value;
    });
    chosen = null;
  });

  // A privacy warning about a note takes the keyboard (it is an alertdialog): Enter removes what
  // was found, Tab reaches the other choices. Once it closes, the caret is back in the note box.
  var warned = false;

  document.addEventListener("click", function (evt) {
    if (evt.target.closest('[data-dismiss="confirmation"]') && input()) {  // "Edit it first"
      warned = false;
      input().focus();
      return;
    }
    var option = evt.target.closest("#tag-suggestions [data-tag]");
    if (!option) return;
    accept(input(), option.dataset.tag);
    input().focus();
  });

  // After a post the form empties itself (see facilitator.js); keep typing where you were.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var field = input();
    if (!field) return;
    if (!field.value) document.getElementById("tag-suggestions").replaceChildren();
    var choice = document.querySelector("#confirmation button");
    if (choice && !warned && document.activeElement === field) {
      warned = true;
      choice.focus();
    } else if (!choice && warned) {
      warned = false;
      if (!document.activeElement || document.activeElement === document.body) field.focus();
    }
  });
})();
