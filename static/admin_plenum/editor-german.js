// django-prose-editor 0.28 writes its toolbar's labels (titles, aria-labels, the
// block-type menu) in English and outside gettext; only its dialogs are translated.
// This passes every label through the admin's JavaScript catalogue, which holds
// their German (locale/de/LC_MESSAGES/djangojs.po), as menus are built and rebuilt.
"use strict";
{
    // Listed so that `make messages` finds them; gettext_noop returns them unchanged.
    const labels = new Set([
        gettext_noop("bold"), gettext_noop("italic"), gettext_noop("underline"),
        gettext_noop("strike"), gettext_noop("subscript"), gettext_noop("superscript"),
        gettext_noop("paragraph"), gettext_noop("Paragraph"), gettext_noop("unordered list"),
        gettext_noop("ordered list"), gettext_noop("blockquote"),
        gettext_noop("horizontal rule"), gettext_noop("figure"), gettext_noop("insert link"),
        gettext_noop("remove link"), gettext_noop("Insert table"), gettext_noop("Add column"),
        gettext_noop("Delete column"), gettext_noop("Add row"), gettext_noop("Delete row"),
        gettext_noop("Merge cells"), gettext_noop("Split cell"),
        gettext_noop("Toggle header cell"), gettext_noop("Delete table"), gettext_noop("undo"),
        gettext_noop("redo"), gettext_noop("Code"), gettext_noop("Code block"),
        gettext_noop("edit HTML"), gettext_noop("Yes"), gettext_noop("No"),
    ]);
    const heading = /^Heading (\d)$/;

    const german = (text) => {
        if (labels.has(text)) return gettext(text);
        const level = heading.exec(text);
        return level ? interpolate(gettext("Überschrift %s"), [level[1]]) : text;
    };

    const translate = (menubar) => {
        for (const element of menubar.querySelectorAll("[title], [aria-label]")) {
            for (const name of ["title", "aria-label"]) {
                const value = element.getAttribute(name);
                if (value && german(value) !== value) element.setAttribute(name, german(value));
            }
        }
        for (const option of menubar.querySelectorAll(".prose-menubar__option > *")) {
            const text = option.textContent;
            if (german(text) !== text) option.textContent = german(text);
        }
    };

    // The table dialog's choices: their value stays what the editor reads back.
    const translateDialog = (dialog) => {
        for (const option of dialog.querySelectorAll("option")) {
            if (!option.hasAttribute("value")) option.value = option.textContent;
            option.textContent = german(option.value);
        }
    };

    const observer = new MutationObserver((mutations) => {
        for (const mutation of mutations) {
            const menubar = mutation.target.closest?.(".prose-menubar")
                || mutation.target.querySelector?.(".prose-menubar");
            if (menubar) translate(menubar);
            for (const node of mutation.addedNodes) {
                if (node.nodeType === Node.ELEMENT_NODE) {
                    node.querySelectorAll(".prose-menubar").forEach(translate);
                    if (node.matches(".prose-menubar")) translate(node);
                    if (node.matches(".prose-editor-dialog")) translateDialog(node);
                    node.querySelectorAll(".prose-editor-dialog").forEach(translateDialog);
                }
            }
        }
    });
    observer.observe(document.documentElement, {
        childList: true, subtree: true, attributes: true, attributeFilter: ["title"],
    });
    document.querySelectorAll(".prose-menubar").forEach(translate);
}
