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
        });
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
        const mover = document.createElement("span");
        mover.className = "plenum-mover";
        const handle = document.createElement("span");
        handle.className = "plenum-handle";
        handle.textContent = "⠿";
        handle.title = gettext("Zum Verschieben ziehen");
        const announce = (row) => {
            const status = group.querySelector(".plenum-order-status");
            const place = rows(group).indexOf(row) + 1;
            status.textContent = interpolate(gettext("Jetzt an Stelle %s."), [place]);
        };
        const move = (step, source) => {
            const list = rows(group);
            const target = list[list.indexOf(row) + step];
            if (!target) return;
            if (step < 0) target.before(row);
            else target.after(row);
            renumber(group);
            announce(row);
            source.focus();
        };
        const up = button(gettext("Nach oben"), "↑", (event) => move(-1, event.currentTarget));
        const down = button(gettext("Nach unten"), "↓", (event) => move(1, event.currentTarget));
        mover.append(handle, up, down);
        heading.prepend(mover);
        row.draggable = true;
        row.addEventListener("dragstart", (event) => {
            row.classList.add("plenum-dragging");
            event.dataTransfer.effectAllowed = "move";
        });
        row.addEventListener("dragend", () => {
            row.classList.remove("plenum-dragging");
            renumber(group);
            announce(row);
        });
        row.addEventListener("dragover", (event) => {
            const dragged = group.querySelector(".plenum-dragging");
            if (!dragged || dragged === row) return;
            event.preventDefault();
            const box = row.getBoundingClientRect();
            if (event.clientY < box.top + box.height / 2) row.before(dragged);
            else row.after(dragged);
        });
    };

    const setUp = (group) => {
        group.classList.add("plenum-ordered-js");
        if (!group.querySelector(".plenum-order-status")) {
            const status = document.createElement("p");
            status.className = "plenum-order-status";
            status.setAttribute("role", "status");
            group.querySelector("h2")?.after(status);
        }
        rows(group).forEach((row) => enhance(group, row));
        group.closest("form")?.addEventListener("submit", () => renumber(group));
    };

    document.addEventListener("formset:added", (event) => {
        const group = event.target.closest(".plenum-ordered");
        if (group) {
            enhance(group, event.target);
            renumber(group);
        }
    });
    document.querySelectorAll(".plenum-ordered").forEach(setUp);
}
