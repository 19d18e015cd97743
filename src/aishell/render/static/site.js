// aishell schema docs: search that filters tables, and the table list on every page. No network.
(function () {
  "use strict";
  function norm(s) { return (s || "").toLowerCase(); }

  // Table pages of the multi-page site: build the side list from tables.js.
  var side = document.getElementById("side-tables");
  if (side && window.AISHELL_TABLES && side.children.length === 0) {
    var prefix = side.getAttribute("data-prefix") || "";
    var current = side.getAttribute("data-current");
    window.AISHELL_TABLES.forEach(function (t) {
      var li = document.createElement("li");
      li.setAttribute("data-name", norm(t.n + " " + (t.c || "")));
      if (t.p) { li.setAttribute("data-partition", "1"); }
      var a = document.createElement("a");
      a.href = prefix + t.h;
      a.textContent = t.n;
      a.title = t.c || t.n;
      if (t.n === current) { a.className = "current"; }
      li.appendChild(a);
      side.appendChild(li);
    });
  }

  // Every input.search filters the elements named by its data-target (a CSS selector) whose
  // data-name holds the words typed (all of them, in any order).
  var inputs = document.querySelectorAll("input.search");
  Array.prototype.forEach.call(inputs, function (input) {
    var selector = input.getAttribute("data-target");
    var counter = document.getElementById(input.getAttribute("data-count") || "");
    var none = document.getElementById("no-match");
    function apply() {
      var words = norm(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (el) {
        var name = el.getAttribute("data-name") || "";
        var ok = words.every(function (w) { return name.indexOf(w) !== -1; });
        // Partitions crowd the lists: shown only when a search names them.
        if (!words.length && el.hasAttribute("data-partition")) { ok = false; }
        el.classList.toggle("hidden", !ok);
        if (ok) { shown += 1; }
      });
      var countOf = input.getAttribute("data-count-of");
      if (countOf) {
        shown = document.querySelectorAll(countOf).length -
                document.querySelectorAll(countOf.split(",").map(function (x) { return x + ".hidden"; }).join(",")).length;
      }
      if (counter) { counter.textContent = String(shown); }
      if (none) { none.classList.toggle("hidden", shown !== 0); }
    }
    input.addEventListener("input", apply);
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; }
    apply();
  });
})();
