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

  // Sortable columns: click a header with data-sort; click again to reverse.
  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    th.style.cursor = "pointer";
    th.addEventListener("click", function () {
      var table = th.closest("table");
      var body = table.tBodies[0];
      var index = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute("data-sort") === "num";
      var dir = th.getAttribute("data-dir") === "asc" ? -1 : 1;
      Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("data-dir"); });
      th.setAttribute("data-dir", dir === 1 ? "asc" : "desc");
      function key(row) {
        var cell = row.children[index];
        if (!numeric) { return norm(cell.textContent.replace("↳", "").trim()); }
        var v = cell.getAttribute("data-v");
        return parseFloat(v !== null ? v : cell.textContent.replace(/,/g, "")) || 0;
      }
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var ka = key(a), kb = key(b);
        return (ka < kb ? -1 : ka > kb ? 1 : 0) * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });

  // Zoom buttons for the ER diagram: the SVG keeps its own size in pt; we scale its CSS width.
  Array.prototype.forEach.call(document.querySelectorAll("p.zoom"), function (bar) {
    var box = document.getElementById(bar.getAttribute("data-for"));
    var svg = box && box.querySelector("svg");
    if (!svg) { return; }
    var natural = parseFloat(svg.getAttribute("width")) * 4 / 3;  // pt -> px
    var zoom = null;
    function set(z) {
      zoom = Math.max(0.05, Math.min(4, z));
      svg.style.maxWidth = "none";
      svg.style.width = Math.round(natural * zoom) + "px";
      svg.style.height = "auto";
    }
    function fit() { return (box.clientWidth - 20) / natural; }
    bar.addEventListener("click", function (ev) {
      var what = ev.target.getAttribute("data-zoom");
      if (!what) { return; }
      var cur = zoom === null ? Math.min(1, fit()) : zoom;
      if (what === "in") { set(cur * 1.25); }
      if (what === "out") { set(cur / 1.25); }
      if (what === "fit") { set(fit()); }
      if (what === "full") { set(1); }
    });
  });
})();
