// Settings → Privacy: follow an export being built (no inline script: CSP is script-src 'self').
(function () {
  "use strict";

  function poll(item) {
    fetch(item.getAttribute("data-export-status"), { credentials: "same-origin" })
      .then(function (reply) { return reply.json(); })
      .then(function (state) {
        if (state.status !== "queued" && state.status !== "running") {
          window.location.reload();
          return;
        }
        var bar = item.querySelector("progress");
        var label = item.querySelector(".export-stage");
        if (bar) { bar.value = state.progress; }
        if (label) { label.textContent = "Being built: " + state.progress + " %" + (state.stage ? " (" + state.stage + ")" : ""); }
        window.setTimeout(function () { poll(item); }, 1500);
      })
      .catch(function () { window.setTimeout(function () { poll(item); }, 5000); });
  }

  document.querySelectorAll("[data-export-status]").forEach(function (item) {
    var status = item.getAttribute("data-status");
    if (status === "queued" || status === "running") { poll(item); }
  });
})();
