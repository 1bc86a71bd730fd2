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
    // Select the key and try the older copy command; say plainly when the user must press Ctrl+C.
    var fallback = function () {
      selectText(target);
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      if (copied) {
        done();
      } else {
        button.textContent = "Selected — press Ctrl+C";
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      // writeText is refused when the page lacks focus or permission: fall back rather than do nothing.
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback(); // plain-http pages have no clipboard API
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (button) {
      copy(button);
    }
  });
})();
