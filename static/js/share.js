// Progressive enhancement: where the Clipboard API exists, the plain link to
// the release becomes a "copy link" button. Without JavaScript the link stays.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("a.share__copy").forEach(function (link) {
    var status = link.closest(".share").querySelector(".share__status");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "share__button";
    button.textContent = link.dataset.copy;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(
        function () { status.textContent = link.dataset.copied; },
        function () { status.textContent = link.dataset.failed; }
      );
    });
    link.replaceWith(button);
  });
})();
