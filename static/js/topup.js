// Credits page: show how many credits a custom top-up amount buys (display only; the server decides).
// Only a possible amount gets a figure: outside the limits the hint says the limits instead.
(function () {
  "use strict";
  var input = document.getElementById("topup-amount");
  var out = document.getElementById("topup-credits");
  if (!input || !out) { return; }
  var perUsd = parseInt(input.getAttribute("data-credits-per-usd"), 10) || 211;
  function toCents(text) {
    var parts = text.split(".");
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }
  var minCents = toCents(input.getAttribute("data-min-usd") || "5");
  var maxCents = toCents(input.getAttribute("data-max-usd") || "10000");
  var rangeMessage = input.getAttribute("data-range-message") || "";
  function update() {
    var text = input.value.trim().replace(/^\$/, "").replace(/,/g, "");
    if (!text) { out.textContent = ""; return; }
    if (!/^\d{1,9}(\.\d{1,2})?$/.test(text)) { out.textContent = "Enter dollars and cents, for example 12.50."; return; }
    var cents = toCents(text);
    if (cents < minCents || cents > maxCents) { out.textContent = rangeMessage; return; }
    // A whole number of cents is a whole number of hundredths of a credit: exact, like the server's display.
    var hundredths = cents * perUsd;
    var whole = Math.floor(hundredths / 100);
    var frac = hundredths % 100 ? "." + String(hundredths % 100).padStart(2, "0") : "";
    out.textContent = "= " + whole.toLocaleString("en-US") + frac + " credits";
  }
  input.addEventListener("input", update);
  update();
}());
