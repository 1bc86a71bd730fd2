// Hosted ComfyUI start page: poll the session's status and open the canvas once it is ready
// (no inline script: CSP is script-src 'self').
(function () {
  "use strict";

  var box = document.getElementById("canvas-progress");
  if (!box) {
    return;
  }
  var state = document.getElementById("canvas-state");
  var detail = document.getElementById("canvas-detail");
  var labels = { queued: "Queued", starting: "Starting", ready: "Ready", ended: "Ended", failed: "Failed" };
  var reasons = {
    start_timeout: "The ComfyUI backend did not become ready in time.",
    start_failed: "The ComfyUI backend could not be started.",
    backend_lost: "The ComfyUI backend stopped.",
    idle: "Ended after a period without activity.",
    max_time: "Ended at the maximum session time.",
    funds: "Ended: the balance could not pay the next minute.",
    user: "You ended this session."
  };

  function show(session) {
    state.textContent = labels[session.status] || session.status;
    var steps = box.querySelectorAll("[data-step]");
    for (var i = 0; i < steps.length; i++) {
      steps[i].classList.toggle("done", steps[i].getAttribute("data-step") === session.status);
    }
    if (session.status === "queued") {
      detail.textContent = "No backend is free yet: you are number " + session.queue_position +
        " in the queue. This page opens the canvas by itself when one frees up.";
    } else if (session.status === "starting") {
      detail.textContent = "ComfyUI is starting…";
    } else if (session.status === "ready") {
      detail.textContent = session.startup_seconds !== null ? "Started in " + session.startup_seconds + " s." : "";
    } else {
      detail.textContent = reasons[session.end_reason] || "";
    }
  }

  // Open the canvas by itself only after watching it start; coming back to a ready session's page shows
  // the Open button and End session instead of bouncing straight into the canvas.
  var initial = box.getAttribute("data-initial-status");
  var sawPending = initial === "queued" || initial === "starting";
  var openLink = document.getElementById("canvas-open");

  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (session) {
        show(session);
        if (session.status === "ready") {
          openLink.hidden = false;
          if (sawPending) {
            window.location.assign(box.getAttribute("data-open-url"));
          }
        } else if (session.status === "queued" || session.status === "starting") {
          sawPending = true;
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  poll();
})();
