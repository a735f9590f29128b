/* The staff live dashboard (decision 0028): a bar chart above each live report's table, and every
   table, chart and note refreshed from the page's JSON twin every `data-poll-seconds`.

   The page is complete without this script: the server renders the same figures as tables. The
   JSON (recommendations/dashboard.py `dashboard_data`) carries each table's rows as ready-made
   text, so this script only places text (never HTML) where the template put it. */
(function () {
  "use strict";

  var root = document.getElementById("live-dashboard");
  var initial = document.getElementById("live-dashboard-data");
  if (!root || !initial) {
    return;
  }
  var url = root.dataset.url;
  var pollSeconds = Math.max(1, Number(root.dataset.pollSeconds) || 15);
  var charts = {};
  var refreshes = 0;
  var style = getComputedStyle(document.documentElement);
  var barColour = style.getPropertyValue("--primary").trim() || "#79aec8";
  var textColour = style.getPropertyValue("--body-fg").trim() || "#333";
  var gridColour = style.getPropertyValue("--hairline-color").trim() || "#e8e8e8";
  var rupees = new Intl.NumberFormat("en-IN", {style: "currency", currency: "INR", maximumFractionDigits: 0});
  var rupeesExact = new Intl.NumberFormat("en-IN", {style: "currency", currency: "INR"});
  var counts = new Intl.NumberFormat("en-IN");

  function text(el, value) {
    if (el && el.textContent !== value) {
      el.textContent = value;
    }
  }

  function cell(tag, value, attributes) {
    var el = document.createElement(tag);
    el.textContent = value;
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    return el;
  }

  /* The rows as dashboard_section.html draws them. */
  function fillBody(tbody, table) {
    var rows = [];
    (table.rows || []).forEach(function (row) {
      var tr = document.createElement("tr");
      if (row.flagged) {
        tr.className = "is-flagged";
      }
      row.cells.forEach(function (value, i) {
        tr.appendChild(i === 0 ? cell("th", value, {scope: "row"}) : cell("td", value));
      });
      rows.push(tr);
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      empty.className = "is-empty";
      empty.appendChild(cell("td", table.empty || "No figures in a window covering now.",
                             {colspan: String(table.columns.length)}));
      rows.push(empty);
    }
    tbody.replaceChildren.apply(tbody, rows);
  }

  function makeChart(canvas, chart) {
    var format = chart.money ? rupees : counts;
    return new window.Chart(canvas, {
      type: "bar",
      data: {labels: chart.labels, datasets: [{label: chart.label, data: chart.values, backgroundColor: barColour,
                                               maxBarThickness: 24}]},
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: {duration: 300},
        plugins: {
          legend: {display: false},
          tooltip: {callbacks: {label: function (ctx) {
            return chart.money ? rupeesExact.format(ctx.parsed.x) : counts.format(ctx.parsed.x);
          }}}
        },
        scales: {
          x: {beginAtZero: true, ticks: {color: textColour, callback: function (v) { return format.format(v); }},
              grid: {color: gridColour}},
          y: {ticks: {color: textColour, autoSkip: false}, grid: {display: false}}
        }
      }
    });
  }

  function drawChart(section, table) {
    var box = section.querySelector("[data-chart]");
    if (!box || !table.chart || !window.Chart) {
      return;
    }
    box.hidden = table.chart.values.length === 0;
    var chart = charts[table.id];
    if (!chart) {
      charts[table.id] = makeChart(box.querySelector("canvas"), table.chart);
      return;
    }
    chart.data.labels = table.chart.labels;
    chart.data.datasets[0].data = table.chart.values;
    chart.update();
  }

  function fillSection(table) {
    var section = root.querySelector('[data-table="' + table.id + '"]');
    if (!section) {
      return;
    }
    text(section.querySelector("[data-window]"), table.window || "");
    text(section.querySelector("[data-updated]"), table.updated || "");
    text(section.querySelector("[data-about]"), table.about || "");
    fillBody(section.querySelector("tbody"), table);
    drawChart(section, table);
  }

  function render(data) {
    text(root.querySelector("[data-generated]"), data.generated);
    [data.totals, data.streams, data.evaluation, data.jobs].concat(data.reports).forEach(fillSection);
  }

  function showError(message) {
    text(root.querySelector("[data-live-error]"), message);
  }

  function refresh() {
    if (document.hidden) {
      return Promise.resolve();
    }
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!response.ok || response.redirected || !json) {
          throw new Error(response.redirected ? "signed out? reload the page" : "the server answered " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        render(data);
        refreshes += 1;
        root.dataset.refreshes = String(refreshes);
        showError("");
      })
      .catch(function (error) {
        showError("Could not refresh (" + error.message + "); trying again in " + pollSeconds + " s.");
      });
  }

  function loop() {
    refresh().then(function () { window.setTimeout(loop, pollSeconds * 1000); });
  }

  text(root.querySelector("[data-live-note]"), "This page refreshes itself every " + pollSeconds + " s.");
  render(JSON.parse(initial.textContent));
  window.setTimeout(loop, pollSeconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
}());
