// Body chart: tapping an area of the drawing ticks (or unticks) its checkbox. The
// checkboxes are the real inputs; without JavaScript they work on their own.
document.querySelectorAll(".body-chart").forEach(function (chart) {
  chart.querySelectorAll(".chart-drawing .area").forEach(function (area) {
    area.addEventListener("click", function () {
      var box = chart.querySelector('input[data-area="' + area.getAttribute("data-area") + '"]');
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  });
});
