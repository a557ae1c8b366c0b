// Hold/rest timer for exercise cards. The page works without it: the dose text stays.
(function () {
  "use strict";
  function setup(box) {
    var hold = parseFloat(box.getAttribute("data-hold")) || 0;
    var rest = parseFloat(box.getAttribute("data-rest")) || 0;
    if (!hold && !rest) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "timer-button";
    button.textContent = "Start timer";
    var out = document.createElement("p");
    out.className = "timer-display";
    out.setAttribute("role", "timer");
    out.setAttribute("aria-live", "polite");
    box.appendChild(button);
    box.appendChild(out);
    var tick = null;
    function stop(text) {
      if (tick) { clearInterval(tick); tick = null; }
      button.textContent = "Start timer";
      out.textContent = text || "";
    }
    function run(phases) {
      var phase = phases.shift();
      if (!phase) { stop("Done."); return; }
      var left = phase.seconds;
      out.textContent = phase.label + ": " + left + " s";
      tick = setInterval(function () {
        left -= 1;
        if (left <= 0) { clearInterval(tick); tick = null; run(phases); return; }
        out.textContent = phase.label + ": " + left + " s";
      }, 1000);
    }
    button.addEventListener("click", function () {
      if (tick) { stop("Stopped."); return; }
      button.textContent = "Stop timer";
      var phases = [];
      if (hold) { phases.push({ label: "Hold", seconds: Math.round(hold) }); }
      if (rest) { phases.push({ label: "Rest", seconds: Math.round(rest) }); }
      run(phases);
    });
  }
  document.querySelectorAll(".timer").forEach(setup);
})();
