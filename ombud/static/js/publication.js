/* Reports to the media: draws the report's ECharts charts from the frozen snapshot the server
 * puts in <script type="application/json" id="report-data"> (same style as the live
 * dashboard), and asks for confirmation before a withdraw form is sent. No inline script
 * anywhere (strict CSP). */
(function () {
  "use strict";

  // Colours and font from the stylesheet, words from the snapshot: one source each (ombud/charts.py).
  var style = window.Ombud.charts;
  var charts = [];

  function init(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function citiesOption(data) {
    var L = data.labels, c = data.cities;
    function series(key) {
      return {
        name: L[key], type: "bar", stack: "kind", color: style.color(key), barMaxWidth: 22,
        emphasis: { focus: "series" }, data: c[key]
      };
    }
    return {
      textStyle: { fontFamily: style.font() },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [L.complaint, L.consultation, L.suggestion] },
      title: c.names.length ? undefined : style.emptyTitle(L.no_data),
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: c.names, inverse: true, axisTick: { show: false } },
      series: [series("complaint"), series("consultation"), series("suggestion")]
    };
  }

  function outcomesOption(data) {
    var L = data.labels, o = data.outcomes;
    var keys = ["resolved_on_site", "time_limited_company", "referred"];
    var slices = keys
      .map(function (k) { return { name: L[k], value: o[k], itemStyle: { color: style.color(k) } }; })
      .filter(function (s) { return s.value > 0; });
    return {
      textStyle: { fontFamily: style.font() },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, data: keys.map(function (k) { return L[k]; }) },
      title: slices.length ? undefined : style.emptyTitle(L.no_data),
      series: [{
        type: "pie", radius: ["42%", "68%"], center: ["50%", "45%"], avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}" }, data: slices
      }]
    };
  }

  function rankingOption(data) {
    var r = data.ranking;
    return {
      textStyle: { fontFamily: style.font() },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100 },
      yAxis: { type: "category", inverse: true, data: r.names },
      tooltip: { trigger: "axis" },
      series: [{ name: r.label, type: "bar", data: r.scores, color: style.color("score"), barMaxWidth: 22,
                 label: { show: true, position: "right" } }]
    };
  }

  function draw() {
    var source = document.getElementById("report-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var cities = init("chart-cities");
    if (cities) {
      var el = document.getElementById("chart-cities");
      el.style.height = Math.max(260, 60 + 28 * data.cities.names.length) + "px";
      cities.resize();
      cities.setOption(citiesOption(data));
    }
    var outcomes = init("chart-outcomes");
    if (outcomes) outcomes.setOption(outcomesOption(data));
    if (data.ranking) {
      var ranking = init("chart-ranking");
      if (ranking) {
        document.getElementById("chart-ranking").style.height = Math.max(260, 40 + 28 * data.ranking.names.length) + "px";
        ranking.resize();
        ranking.setOption(rankingOption(data));
      }
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  function confirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form && form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
  }

  function start() { draw(); confirmations(); }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
