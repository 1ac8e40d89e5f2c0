// The search box: filters the rows of every filterable table on the page by the words typed (all must appear),
// and says how many are shown. Works without a server: the book is plain files.
(function () {
  "use strict";
  function setup() {
    var input = document.getElementById("filter");
    if (!input) { return; }
    var count = document.getElementById("filter-count");
    var rows = Array.prototype.slice.call(document.querySelectorAll("table[data-filterable] tbody tr"));
    var texts = rows.map(function (row) {
      return ((row.getAttribute("data-search") || "") + " " + row.textContent).toLowerCase();
    });
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = words.length ? shown + " of " + rows.length + " shown" : rows.length + " in all";
    }
    input.addEventListener("input", apply);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; }
    apply();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
}());
// On paper nothing may stay folded: open every disclosure (formal conditions, notes) before printing.
window.addEventListener("beforeprint", function () {
  Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
});
