// redlane console: draws the actor network (cytoscape.js) and the hit-rate charts (Chart.js).
// Libraries are served from /static/vendor (npm, installed by `make setup`); no internet needed.
(function () {
  "use strict";

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var MAX_LABELS = 25;

  function drawGraph() {
    var box = document.getElementById("graph");
    var data = readJson("graph-data");
    if (!box || !data) return;
    if (!window.cytoscape) {
      box.textContent = "Graph library missing: run `make setup` (npm install).";
      box.dataset.rendered = "missing";
      return;
    }
    // Labels must stay readable: in a crowded network only the centre and the riskiest actors
    // are labelled (the rest on hover), labels are cut to one short line, the layout keeps room
    // for them, and link kinds show on hover instead of on every edge.
    var labelled = {};
    data.nodes.slice().sort(function (a, b) { return (b.risk || 0) - (a.risk || 0); })
      .slice(0, MAX_LABELS).forEach(function (n) { labelled[n.id] = true; });
    labelled[data.center] = true;
    var elements = data.nodes.map(function (n) {
      return { data: { id: n.id, label: n.label || n.id, risk: n.risk || 0,
        center: n.id === data.center ? 1 : 0, labelled: labelled[n.id] ? 1 : 0 } };
    }).concat(data.edges.map(function (e, i) {
      return { data: { id: "e" + i, source: e.source, target: e.target, kind: e.kind } };
    }));
    var crowded = elements.length > 60;
    var layout = crowded
      ? { name: "grid", avoidOverlap: true, avoidOverlapPadding: 16, nodeDimensionsIncludeLabels: true, animate: false }
      : { name: "cose", animate: false, nodeDimensionsIncludeLabels: true, padding: 24,
          nodeRepulsion: function () { return 800000; }, idealEdgeLength: function () { return 90; } };
    var cy = window.cytoscape({
      container: box,
      elements: elements,
      layout: layout,
      style: [
        { selector: "node", style: { label: "", "font-size": 10, width: 18, height: 18,
          "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": "120px",
          "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": "1px",
          "background-color": "mapData(risk, 0, 1, #98a2b3, #b42318)" } },
        { selector: "node[labelled = 1], node.hover", style: { label: "data(label)" } },
        { selector: "node.hover", style: { "z-index": 10 } },
        { selector: "node[center = 1]", style: { width: 30, height: 30, "border-width": 3, "border-color": "#101828" } },
        { selector: "edge", style: { width: 1.5, "line-color": "#98a2b3", label: "", "font-size": 8,
          "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.85 } },
        { selector: "edge.hover, edge:selected", style: { label: "data(kind)", "line-color": "#475467" } }
      ]
    });
    cy.on("mouseover", "node, edge", function (evt) { evt.target.addClass("hover"); });
    cy.on("mouseout", "node, edge", function (evt) { evt.target.removeClass("hover"); });
    cy.on("tap", "node", function (evt) {
      var id = evt.target.id();
      if (id !== data.center) window.location.href = "/console/actors/" + encodeURIComponent(id);
    });
    box.dataset.rendered = String(cy.nodes().length);
    window.redlaneGraph = cy;
  }

  function drawCharts() {
    var m = readJson("metrics-data");
    if (!m) return;
    if (!window.Chart) {
      document.querySelectorAll(".charts canvas").forEach(function (c) { c.dataset.rendered = "missing"; });
      return;
    }
    var ports = Array.from(new Set(m.daily.map(function (d) { return d.port; })));
    var dates = Array.from(new Set(m.daily.map(function (d) { return d.date; }))).sort();
    var palette = ["#b42318", "#1849a9", "#067647", "#b54708", "#6941c6", "#475467"];
    var daily = document.getElementById("chart-daily");
    new window.Chart(daily, {
      type: "line",
      data: {
        labels: dates,
        datasets: ports.map(function (p, i) {
          return {
            label: p,
            borderColor: palette[i % palette.length],
            data: dates.map(function (d) {
              var row = m.daily.find(function (r) { return r.port === p && r.date === d; });
              return row && row.hit_rate !== null ? row.hit_rate * 100 : null;
            })
          };
        })
      },
      options: { animation: false, scales: { y: { min: 0, max: 100, title: { display: true, text: "hit rate %" } } } }
    });
    daily.dataset.rendered = "1";
    var sel = document.getElementById("chart-selection");
    new window.Chart(sel, {
      type: "bar",
      data: {
        labels: m.by_selection.map(function (r) { return r.key; }),
        datasets: [{ label: "hit rate %", backgroundColor: "#1849a9",
          data: m.by_selection.map(function (r) { return r.hit_rate === null ? 0 : r.hit_rate * 100; }) }]
      },
      options: { animation: false, scales: { y: { min: 0, max: 100 } } }
    });
    sel.dataset.rendered = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawGraph();
    drawCharts();
  });
})();
