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

  document.addEventListener("click", function (evt) {
    var option = evt.target.closest("#tag-suggestions [data-tag]");
    if (!option) return;
    accept(input(), option.dataset.tag);
    input().focus();
  });

  // After a post the form empties itself (see facilitator.js); keep typing where you were.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var field = input();
    if (field && !field.value) document.getElementById("tag-suggestions").replaceChildren();
  });
})();
