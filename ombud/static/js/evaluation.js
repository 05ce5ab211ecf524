/* The evaluation page: the ranking as a horizontal bar chart, from the JSON the server puts in
 * <script type="application/json" id="evaluation-data">; picking a period with figures fills
 * the two date fields. No inline script (strict CSP). */
(function () {
  "use strict";
  // Colour and font from the stylesheet (Ombud.charts, js/ombud.js), words from the server.
  var style = window.Ombud.charts;

  function draw() {
    var source = document.getElementById("evaluation-data");
    var el = document.getElementById("evaluation-chart");
    if (!source || !el || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    // One bar per company, readable however many companies are ranked.
    el.style.height = Math.max(240, data.companies.length * 24 + 40) + "px";
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: { fontFamily: style.font() },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 100 },
      yAxis: { type: "category", inverse: true, data: data.companies },
      tooltip: { trigger: "axis" },
      series: [{ name: data.label, type: "bar", data: data.scores, color: style.color("score"), barMaxWidth: 22,
                 label: { show: true, position: "right" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function periodPicker() {
    var select = document.getElementById("period-choice");
    if (!select) return;
    select.addEventListener("change", function () {
      var parts = select.value.split("/");
      var form = select.form;
      form.elements.period_start.value = parts[0];
      form.elements.period_end.value = parts[1];
      form.submit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(); periodPicker(); });
})();
