// Draws every element with data-chart-options using the ECharts options in the
// json_script element it names, and resizes the charts with their containers.
(function () {
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart-options]").forEach(function (element) {
      var source = document.getElementById(element.dataset.chartOptions);
      if (!source) { return; }
      var chart = echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(source.textContent));
      if (window.ResizeObserver) {
        new ResizeObserver(function () { chart.resize(); }).observe(element);
      } else {
        window.addEventListener("resize", function () { chart.resize(); });
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
