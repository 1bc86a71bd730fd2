// Credits page: show how many credits a custom top-up amount buys (display only; the server decides).
(function () {
  "use strict";
  var input = document.getElementById("topup-amount");
  var out = document.getElementById("topup-credits");
  if (!input || !out) { return; }
  var perUsd = parseInt(input.getAttribute("data-credits-per-usd"), 10) || 211;
  function update() {
    var text = input.value.trim();
    if (!/^\d+(\.\d{1,2})?$/.test(text)) { out.textContent = ""; return; }
    var parts = text.split(".");
    var cents = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    // Integer arithmetic in hundredths of a credit, rounded down like the server's display.
    var hundredths = cents * perUsd;
    var whole = Math.floor(hundredths / 100);
    var frac = String(hundredths % 100).padStart(2, "0");
    out.textContent = "= " + whole.toLocaleString("en-US") + "." + frac + " credits";
  }
  input.addEventListener("input", update);
  update();
}());
