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
})();
