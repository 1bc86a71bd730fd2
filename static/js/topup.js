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
    // Integer arithmetic in tenths of a credit, rounded down and without a ".0", like the server's display.
    var tenths = Math.floor(cents * perUsd / 10);
    var whole = Math.floor(tenths / 10);
    var frac = tenths % 10 ? "." + (tenths % 10) : "";
    out.textContent = "= " + whole.toLocaleString("en-US") + frac + " credits";
  }
  input.addEventListener("input", update);
  update();
}());
