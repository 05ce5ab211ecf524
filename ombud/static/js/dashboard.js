/* The live campaign dashboard: draws the ECharts charts from the JSON payload the server puts
 * in <script type="application/json" id="dashboard-data">, and redraws them whenever htmx
 * swaps in a fresh payload (every few seconds). The chart containers are hx-preserve'd, so
 * the charts are updated in place instead of being rebuilt. */
(function () {
  "use strict";

  // Colours and font from the stylesheet, words from the payload: one source each (ombud/charts.py).
  var style = window.Ombud.charts;
  var charts = {};
  var lastPayload = null;

  function readPayload() {
    var el = document.getElementById("dashboard-data");
    return el ? el.textContent : null;
  }

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return null;
    var existing = echarts.getInstanceByDom(el);
    if (existing) return existing;
    charts[id] = echarts.init(el, null, { renderer: "canvas" });
    return charts[id];
  }

  function citiesOption(data) {
    var L = data.labels;
    var names = data.cities.map(function (c) { return c.name; });
    function series(key, label) {
      return {
        name: label, type: "bar", stack: "kind", color: style.color(key), barMaxWidth: 22,
        emphasis: { focus: "series" },
        data: data.cities.map(function (c) { return c[key === "complaint" ? "cases" : key + "s"]; })
      };
    }
    return {
      textStyle: { fontFamily: style.font() },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [L.complaint, L.consultation, L.suggestion] },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisTick: { show: false } },
      series: [series("complaint", L.complaint), series("consultation", L.consultation), series("suggestion", L.suggestion)]
    };
  }

  function outcomesOption(data) {
    var t = data.totals, L = data.labels;
    var slices = [
      { name: L.resolved_on_site, value: t.resolved_on_site, itemStyle: { color: style.color("resolved_on_site") } },
      { name: L.time_limited_company, value: t.time_limited - t.referred, itemStyle: { color: style.color("time_limited_company") } },
      { name: L.referred, value: t.referred, itemStyle: { color: style.color("referred") } }
    ].filter(function (s) { return s.value > 0; });
    return {
      textStyle: { fontFamily: style.font() },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, data: [L.resolved_on_site, L.time_limited_company, L.referred] },
      title: t.cases ? undefined : style.emptyTitle(L.no_data),
      series: [{
        type: "pie", radius: ["42%", "68%"], center: ["50%", "45%"], avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}" }, data: t.cases ? slices : []
      }]
    };
  }

  function hoursOption(data) {
    var L = data.labels;
    return {
      textStyle: { fontFamily: style.font() },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      title: data.hours.length ? undefined : style.emptyTitle(L.no_data),
      xAxis: { type: "category", data: data.hours.map(function (h) { return h.hour; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        name: L.visits, type: "bar", color: style.color("visits"), barMaxWidth: 28,
        label: { show: true, position: "top" },
        data: data.hours.map(function (h) { return h.visits; })
      }]
    };
  }

  function draw(force) {
    var text = readPayload();
    if (!text || (!force && text === lastPayload)) return;
    lastPayload = text;
    var data = JSON.parse(text);
    var cities = chart("chart-cities");
    if (cities) {
      // Room for every city: one bar per 28 px.
      var el = document.getElementById("chart-cities");
      var wanted = Math.max(260, 60 + 28 * data.cities.length) + "px";
      if (el.style.height !== wanted) { el.style.height = wanted; cities.resize(); }
      cities.setOption(citiesOption(data), true);
    }
    var outcomes = chart("chart-outcomes");
    if (outcomes) outcomes.setOption(outcomesOption(data), true);
    var hours = chart("chart-hours");
    if (hours) hours.setOption(hoursOption(data), true);
  }

  function start() {
    draw(true);
    document.body.addEventListener("htmx:afterSettle", function () { draw(false); });
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  }

  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
