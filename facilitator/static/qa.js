// Questions: sort and filter the shared list in the browser, and mark this person's upvotes.
// The server renders one list for the whole room (most popular first); the choices here are
// each person's own, kept for the tab's life, and applied again after every update.
(function () {
  "use strict";

  var store = window.sessionStorage;

  function choice(name, fallback) {
    try { return store.getItem("qa-" + name) || fallback; } catch (e) { return fallback; }
  }

  function remember(name, value) {
    try { store.setItem("qa-" + name, value); } catch (e) { /* private mode: keep the default */ }
  }

  function byPopularity(a, b) {
    return (a.dataset.answered === "true") - (b.dataset.answered === "true") ||
      Number(b.dataset.votes) - Number(a.dataset.votes) || Number(a.dataset.at) - Number(b.dataset.at);
  }

  function byRecency(a, b) {
    return (a.dataset.answered === "true") - (b.dataset.answered === "true") ||
      Number(b.dataset.at) - Number(a.dataset.at);
  }

  function arrange(list) {
    var sort = choice("sort", "popular");
    var filter = choice("filter", "auto");
    // "auto" follows the case in its Q&A phase, and shows everything otherwise.
    var item = filter === "auto" ? list.dataset.focus : filter === "all" ? "" : filter;
    var rows = Array.prototype.slice.call(list.querySelectorAll(":scope > [data-question]"));
    rows.sort(sort === "recent" ? byRecency : byPopularity).forEach(function (row) {
      row.hidden = Boolean(item) && row.dataset.item !== item;
      list.appendChild(row);
    });
    var none = list.parentElement.querySelector("[data-qa-none]");
    if (none) none.hidden = rows.length === 0 || rows.some(function (row) { return !row.hidden; });
    var section = list.closest("section");
    section.querySelectorAll("[data-qa-sort]").forEach(function (select) { select.value = sort; });
    section.querySelectorAll("[data-qa-filter]").forEach(function (select) {
      select.value = filter;
      if (select.value !== filter) select.value = "auto";  // that item has no questions any more
    });
  }

  function markVotes() {
    var mine = document.getElementById("qa-mine");
    var voted = mine ? (mine.dataset.voted || "").split(" ") : [];
    // The server refuses a vote for one's own question: show its count, not a button that fails.
    var own = mine ? Array.prototype.map.call(mine.querySelectorAll("[data-my-question]"),
      function (row) { return row.dataset.myQuestion; }) : [];
    document.querySelectorAll("[data-upvote]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(voted.indexOf(button.dataset.upvote) !== -1));
      button.disabled = own.indexOf(button.dataset.upvote) !== -1;
    });
  }

  function refresh() {
    document.querySelectorAll("[data-qa-list]").forEach(arrange);
    markVotes();
  }

  document.addEventListener("change", function (evt) {
    var target = evt.target;
    if (target.matches("[data-qa-sort]")) remember("sort", target.value);
    else if (target.matches("[data-qa-filter]")) remember("filter", target.value);
    else return;
    refresh();
  });
  document.addEventListener("htmx:wsAfterMessage", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
