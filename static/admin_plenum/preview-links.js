// Progressive enhancement on the "Vorschau-Link teilen" box: where the Clipboard
// API exists, a "Link kopieren" button beside each link; without it the
// address stays in a read-only field that selects itself on focus.
"use strict";
{
    const fields = document.querySelectorAll("input.plenum-preview-url");
    fields.forEach((field) => field.addEventListener("focus", () => field.select()));
    if (navigator.clipboard && window.isSecureContext) {
        fields.forEach((field) => {
            const status = field.parentElement.querySelector(".plenum-copy-status");
            const button = document.createElement("button");
            button.type = "button";
            button.className = "button";
            button.textContent = field.dataset.copy;
            button.addEventListener("click", () => {
                navigator.clipboard.writeText(field.value).then(
                    () => { status.textContent = field.dataset.copied; },
                    () => { status.textContent = field.dataset.failed; },
                );
            });
            field.after(" ", button);
        });
    }
}
