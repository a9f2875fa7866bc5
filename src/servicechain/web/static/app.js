// servicechain pages: draw the plotly charts and make tables sortable. No build step.
(function () {
  "use strict";

  function drawCharts() {
    var holder = document.getElementById("chart-specs");
    if (!holder || typeof Plotly === "undefined") { return; }
    var specs = JSON.parse(holder.textContent);
    var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = specs[el.id];
      if (!spec) { el.classList.add("no-chart"); return; }
      Plotly.newPlot(el, spec.data, spec.layout, config).then(function () {
        el.setAttribute("data-rendered", "true");
      });
      el.on && el.on("plotly_click", function (event) {
        var point = event.points && event.points[0];
        var code = point && point.customdata && point.customdata[2];
        if (code) { window.location.href = "/units/" + encodeURIComponent(code); }
      });
    });
  }

  function sortValue(cell, type) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) { raw = cell.textContent.trim(); }
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return raw.toLocaleLowerCase();
  }

  function makeSortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      var type = th.getAttribute("data-type");
      if (!type) { return; }
      th.classList.add("sortable-head");
      th.setAttribute("tabindex", "0");
      th.setAttribute("aria-sort", "none");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (other) { if (other.hasAttribute("aria-sort")) { other.setAttribute("aria-sort", "none"); } });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortValue(a.cells[column], type), y = sortValue(b.cells[column], type);
          if (x === null && y === null) { return 0; }
          if (x === null) { return 1; }   // missing and suppressed values last, whatever the order
          if (y === null) { return -1; }
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); } });
    });
  }

  // Long work (checking or importing a file): say so on the button and prevent a second click.
  function markBusy() {
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector("button[data-busy]");
        if (!button) { return; }
        button.textContent = button.getAttribute("data-busy");
        button.setAttribute("aria-busy", "true");
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  }

  // A button that cannot be undone asks first (data-confirm holds the question).
  function askFirst() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    askFirst();
    markBusy();
    document.querySelectorAll("table.sortable").forEach(makeSortable);
    drawCharts();
  });
})();
