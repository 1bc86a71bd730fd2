// Receipt page: the "Print receipt" button (no inline handlers: the CSP allows only our own scripts).
(function () {
  "use strict";
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
