// Keys page: copy the freshly created key to the clipboard (no inline script: CSP is script-src 'self').
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    var text = target.textContent.trim();
    var done = function () {
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        selectText(target);
      });
    } else {
      // Plain-http pages have no clipboard API: select the key so Ctrl+C / Cmd+C copies it.
      selectText(target);
      button.textContent = "Selected — press Ctrl+C";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (button) {
      copy(button);
    }
  });
})();
