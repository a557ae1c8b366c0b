// Hold/rest timer for exercise cards with holds. The page works without it: the hold and
// rest text stays. Each start runs one hold (then the rest, when the dose has one) and
// counts the holds of the set: "Hold 3 of 15: 7 s".
(function () {
  "use strict";
  function setup(box) {
    var hold = parseFloat(box.getAttribute("data-hold")) || 0;
    var rest = parseFloat(box.getAttribute("data-rest")) || 0;
    var reps = parseInt(box.getAttribute("data-reps"), 10) || 0;
    if (!hold) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "timer-button";
    var out = document.createElement("p");
    out.className = "timer-display";
    out.setAttribute("role", "timer");
    out.setAttribute("aria-live", "polite");
    box.appendChild(button);
    box.appendChild(out);
    var tick = null;
    var count = 0;
    var holding = false;
    function label() {
      return "Start hold " + (count + 1) + (reps ? " of " + reps : "") + " (" + Math.round(hold) + " s)";
    }
    function stop(text) {
      if (tick) { clearInterval(tick); tick = null; }
      button.textContent = label();
      out.textContent = text || "";
    }
    function run(phases) {
      var phase = phases.shift();
      holding = false;
      if (!phase) {
        if (reps && count >= reps) {
          count = 0;
          stop("Set done: " + reps + " holds. Log it below.");
        } else {
          stop("Ready for the next hold.");
        }
        return;
      }
      holding = phase.hold;
      if (holding) { count += 1; }
      var left = phase.seconds;
      var name = phase.hold && reps ? "Hold " + count + " of " + reps : phase.label;
      out.textContent = name + ": " + left + " s";
      tick = setInterval(function () {
        left -= 1;
        if (left <= 0) { clearInterval(tick); tick = null; run(phases); return; }
        out.textContent = name + ": " + left + " s";
      }, 1000);
    }
    button.textContent = label();
    button.addEventListener("click", function () {
      if (tick) {
        if (holding) { count -= 1; }  // an unfinished hold does not count
        holding = false;
        stop("Stopped.");
        return;
      }
      button.textContent = "Stop timer";
      var phases = [{ label: "Hold", seconds: Math.round(hold), hold: true }];
      if (rest) { phases.push({ label: "Rest", seconds: Math.round(rest), hold: false }); }
      run(phases);
    });
  }
  document.querySelectorAll(".timer").forEach(setup);
})();
