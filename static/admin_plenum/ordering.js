// Rows of an ordered inline (quotes, figures): a handle to drag and buttons to move a
// row up or down, instead of typing numbers. The order fields are hidden and numbered
// from the rows' places before the form is sent; without JavaScript they stay visible.
"use strict";
{
    const rows = (group) => [...group.querySelectorAll(".inline-related:not(.empty-form)")];

    const renumber = (group) => {
        rows(group).forEach((row, index) => {
            const field = row.querySelector(".field-order input");
            if (field) field.value = index + 1;
            // New rows are labelled by place ("#2"); saved ones by what they show.
            const label = row.querySelector(".inline_label");
            if (label && /^#\d+$/.test(label.textContent.trim())) label.textContent = `#${index + 1}`;
        });
    };

    const announce = (group, row) => {
        const place = rows(group).indexOf(row) + 1;
        const status = group.querySelector(".plenum-order-status");
        status.textContent = interpolate(gettext("Jetzt an Stelle %s."), [place]);
    };

    const button = (label, text, onClick) => {
        const element = document.createElement("button");
        element.type = "button";
        element.className = "plenum-move";
        element.textContent = text;
        element.setAttribute("aria-label", label);
        element.title = label;
        element.addEventListener("click", onClick);
        return element;
    };

    const enhance = (group, row) => {
        if (row.classList.contains("empty-form") || row.querySelector(".plenum-mover")) return;
        const heading = row.querySelector("h3");
        if (!heading) return;
        const move = (step, source) => {
            const list = rows(group);
            const target = list[list.indexOf(row) + step];
            if (!target) return;
            if (step < 0) target.before(row);
            else target.after(row);
            renumber(group);
            announce(group, row);
            // Moving the row took the focus with it; keep it on the button pressed.
            source.focus();
        };
        const handle = document.createElement("span");
        handle.className = "plenum-handle";
        handle.textContent = "⠿";
        handle.title = gettext("Zum Verschieben ziehen");
        // Only the handle drags, so selecting text in the row's fields still works.
        handle.draggable = true;
        handle.addEventListener("dragstart", (event) => {
            row.classList.add("plenum-dragging");
            event.dataTransfer.effectAllowed = "move";
            event.dataTransfer.setData("text/plain", "");
            event.dataTransfer.setDragImage(row, 16, 16);
        });
        handle.addEventListener("dragend", () => {
            row.classList.remove("plenum-dragging");
            renumber(group);
            announce(group, row);
        });
        const up = button(gettext("Nach oben"), "↑", (event) => move(-1, event.currentTarget));
        const down = button(gettext("Nach unten"), "↓", (event) => move(1, event.currentTarget));
        const mover = document.createElement("span");
        mover.className = "plenum-mover";
        mover.append(handle, up, down);
        heading.prepend(mover);
    };

    const setUp = (group) => {
        group.classList.add("plenum-ordered-js");
        const status = document.createElement("p");
        status.className = "plenum-order-status";
        status.setAttribute("role", "status");
        group.querySelector("h2")?.after(status);
        rows(group).forEach((row) => enhance(group, row));
        // The dragged row follows the pointer: before the row under it, or after it.
        group.addEventListener("dragover", (event) => {
            const dragged = group.querySelector(".plenum-dragging");
            const row = event.target.closest?.(".inline-related:not(.empty-form)");
            if (!dragged || !row || !group.contains(row)) return;
            event.preventDefault();
            if (row === dragged) return;
            const box = row.getBoundingClientRect();
            if (event.clientY < box.top + box.height / 2) row.before(dragged);
            else row.after(dragged);
        });
        group.addEventListener("drop", (event) => event.preventDefault());
        group.closest("form")?.addEventListener("submit", () => renumber(group));
    };

    const start = () => {
        document.querySelectorAll(".plenum-ordered").forEach(setUp);
        document.addEventListener("formset:added", (event) => {
            const group = event.target.closest(".plenum-ordered");
            if (!group) return;
            enhance(group, event.target);
            renumber(group);
        });
    };

    // Loaded in the head with the form's media, before the rows exist.
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
}
