"use strict";
// No lost work and the page as readers will see it, in the change form of releases and
// events (office/admin/drafts.py, admin/plenum/draft_desk.html).
//
// Leaving with unsaved changes asks first. Every change is copied to this browser at once
// and to the server a few seconds later; a copy the server has taken is dropped here, so
// this browser keeps only what did not reach it (an expired login, no network). Opening
// the form again offers the newer copy back.
(function () {
    const desk = document.getElementById("plenum-desk");
    if (!desk) {
        return;
    }
    const form = desk.closest("form");
    const text = desk.dataset;
    const csrfToken = form.elements.csrfmiddlewaretoken.value;
    // The browser's copy follows within half a second, the server's within three.
    const LOCAL_DELAY = 500;
    const SERVER_DELAY = 3000;
    const PREVIEW_DELAY = 700;
    // As office/admin/drafts.py's copied(): the form's plumbing and the publishing decision.
    const NOT_COPIED = /^(csrfmiddlewaretoken|edit_version|status|publish_at(_\d+)?|workflow_comment)$|^_|-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;

    const say = (template, values) =>
        template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? values[name] : match));
    const clock = (moment) =>
        new Date(moment).toLocaleTimeString("de-DE", { hour: "2-digit", minute: "2-digit" });
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

    function fields() {
        const pairs = [];
        for (const [name, value] of new FormData(form)) {
            if (typeof value === "string" && !NOT_COPIED.test(name)) {
                pairs.push([name, value]);
            }
        }
        return pairs;
    }

    // Autocomplete selects hold only their chosen options; a restore must recreate them.
    function labels() {
        const result = {};
        for (const select of form.querySelectorAll("select[name]")) {
            for (const option of select.selectedOptions) {
                if (option.value) {
                    (result[select.name] ||= {})[option.value] = option.text;
                }
            }
        }
        return result;
    }

    // The rich-text editors, to put restored text into them.
    function editorOf(textarea) {
        const surface = textarea.parentElement?.querySelector(".ProseMirror[contenteditable]");
        return surface?.editor || null;
    }

    let baseline = fields();
    let touched = false;
    let submitting = false;
    let leaving = false;
    let offer = null;
    let changes = 0;
    let localTimer = null;
    let serverTimer = null;
    let serverFailing = false;
    // What the server's copy holds, so an unchanged form is not sent again.
    let serverHas = null;
    const dirty = () => !submitting && !same(fields(), baseline);

    // An editor writes its HTML into the textarea once ready; that is no change of the editor's.
    document.addEventListener("prose-editor:ready", () => {
        if (!touched) {
            baseline = fields();
        }
    });

    // The automatic copy

    const status = desk.querySelector(".plenum-autosave-status");
    function showStatus(message, failed) {
        status.textContent = message;
        status.classList.toggle("plenum-autosave-status--failed", Boolean(failed));
    }

    function readLocal() {
        try {
            return JSON.parse(localStorage.getItem(text.storageKey));
        } catch {
            return null;
        }
    }

    function saveLocal() {
        clearTimeout(localTimer);
        localTimer = null;
        try {
            localStorage.setItem(
                text.storageKey,
                JSON.stringify({ savedAt: Date.now(), fields: fields(), labels: labels() }),
            );
        } catch {
            // A full or forbidden storage leaves the server's copy, which still follows.
        }
    }

    function post(url, body, keepalive) {
        body.append("csrfmiddlewaretoken", csrfToken);
        return fetch(url, {
            method: "POST",
            body,
            credentials: "same-origin",
            headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
            keepalive: Boolean(keepalive),
        });
    }

    function copyBody() {
        const body = new FormData();
        for (const [name, value] of fields()) {
            body.append(name, value);
        }
        body.append("_beschriftungen", JSON.stringify(labels()));
        return body;
    }

    async function saveServer(keepalive) {
        clearTimeout(serverTimer);
        serverTimer = null;
        if (!dirty()) {
            // Back to the stored state: nothing of this form is unsaved any more.
            if (!offer) {
                localStorage.removeItem(text.storageKey);
                discardServer();
            }
            return;
        }
        const sent = changes;
        const copy = JSON.stringify(fields());
        if (copy === serverHas) {
            return;
        }
        try {
            const response = await post(text.autosaveUrl, copyBody(), keepalive);
            // An expired login answers with the login page, not with JSON.
            const type = response.headers.get("Content-Type") || "";
            if (!type.startsWith("application/json")) {
                throw new Error(text.failed);
            }
            const data = await response.json();
            if (!response.ok) {
                throw new Error(data.fehler || text.failed);
            }
            serverFailing = false;
            serverHas = copy;
            if (changes === sent) {
                localStorage.removeItem(text.storageKey);
            }
            showStatus(say(text.saved, { time: data.uhrzeit }), false);
        } catch (error) {
            serverFailing = true;
            saveLocal();
            showStatus(error.message === text.failed ? text.failed : `${error.message} ${text.failed}`, true);
        }
    }

    function discardServer() {
        serverHas = null;
        const body = new FormData();
        body.append("_verwerfen", "1");
        // Kept alive: a reload right after "Verwerfen" must not cancel it.
        return post(text.autosaveUrl, body, true).catch(() => null);
    }

    function changed(event) {
        if (event.isTrusted) {
            touched = true;
        }
        changes += 1;
        localTimer ||= setTimeout(saveLocal, LOCAL_DELAY);
        // From the first change on, not from the last: typing without a pause is kept too.
        serverTimer ||= setTimeout(saveServer, SERVER_DELAY);
        schedulePreview();
        countAll();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Select2 (the admin's autocomplete) announces its choices through jQuery only.
    window.django?.jQuery?.(form).on("change", "select", (event) => changed(event.originalEvent || event));

    // Leaving

    // The form posts what it holds; the copy would be offered into the next new form. Only
    // while the server refuses copies (an expired login) may the post fail too: then it stays.
    form.addEventListener("submit", () => {
        submitting = true;
        if (serverFailing) {
            saveLocal();
        } else {
            clearTimeout(localTimer);
            localStorage.removeItem(text.storageKey);
        }
    });

    window.addEventListener("beforeunload", (event) => {
        if (leaving || !dirty()) {
            return;
        }
        saveLocal();
        event.preventDefault();
        event.returnValue = "";
    });

    window.addEventListener("pagehide", () => {
        if (!submitting && dirty()) {
            saveLocal();
            saveServer(true);
        }
    });

    document.addEventListener("click", (event) => {
        const link = event.target.closest("a[href]");
        if (
            !link ||
            event.defaultPrevented ||
            event.button !== 0 ||
            event.ctrlKey ||
            event.metaKey ||
            event.shiftKey ||
            link.target === "_blank" ||
            link.hasAttribute("download")
        ) {
            return;
        }
        const url = new URL(link.href, location.href);
        const samePage = url.pathname === location.pathname && url.search === location.search;
        if (url.origin !== location.origin || samePage || !dirty()) {
            return;
        }
        if (window.confirm(text.leave)) {
            leaving = true;
            setTimeout(() => {
                leaving = false;
            }, 2000);
        } else {
            event.preventDefault();
        }
    });

    // Offering a copy back

    function restore(copy) {
        const values = new Map();
        for (const [name, value] of copy.fields) {
            values.set(name, [...(values.get(name) || []), value]);
        }
        const used = new Map();
        for (const element of form.elements) {
            const name = element.name;
            const kind = element.type;
            if (
                !name ||
                NOT_COPIED.test(name) ||
                ["file", "submit", "button", "reset", "fieldset"].includes(kind) ||
                (!values.has(name) && kind !== "checkbox")
            ) {
                continue;
            }
            const wanted = values.get(name) || [];
            if (kind === "checkbox" || kind === "radio") {
                element.checked = wanted.includes(element.value);
            } else if (element.tagName === "SELECT") {
                for (const value of wanted) {
                    if (value && ![...element.options].some((option) => option.value === value)) {
                        element.add(new Option(copy.labels?.[name]?.[value] || value, value));
                    }
                }
                for (const option of element.options) {
                    option.selected = wanted.includes(option.value);
                }
                window.django?.jQuery?.(element).trigger("change");
            } else {
                const index = used.get(name) || 0;
                used.set(name, index + 1);
                element.value = wanted[index] ?? "";
                editorOf(element)?.commands.setContent(element.value);
            }
            element.dispatchEvent(new Event("input", { bubbles: true }));
        }
        countAll();
    }

    const offerBox = desk.querySelector(".plenum-autosave-offer");
    function offerBack() {
        const server = JSON.parse(document.getElementById("plenum-autosave").textContent);
        const local = readLocal();
        let copy = server && {
            savedAt: Date.parse(server.saved_at),
            fields: server.fields,
            labels: server.labels,
        };
        if (local && Array.isArray(local.fields) && (!copy || local.savedAt > copy.savedAt)) {
            copy = local;
        }
        if (!copy || same(copy.fields, fields())) {
            // Nothing that the form does not already hold.
            if (local) {
                localStorage.removeItem(text.storageKey);
            }
            if (server) {
                discardServer();
            }
            return;
        }
        offer = copy;
        offerBox.querySelector(".plenum-autosave-offer__text").textContent = say(text.offer, {
            time: clock(copy.savedAt),
        });
        offerBox.hidden = false;
    }

    offerBox.addEventListener("click", (event) => {
        const action = event.target.closest("button")?.dataset.action;
        if (!action) {
            return;
        }
        const copy = offer;
        offer = null;
        offerBox.hidden = true;
        if (action === "restore") {
            restore(copy);
            showStatus(text.restored, false);
            saveServer();
        } else {
            localStorage.removeItem(text.storageKey);
            discardServer();
        }
    });

    // Counters: the lengths search results show

    const counted = JSON.parse(document.getElementById("plenum-counted").textContent);
    const counters = [];
    for (const [name, limit] of Object.entries(counted)) {
        const input = form.elements[name];
        if (!input) {
            continue;
        }
        const counter = document.createElement("p");
        counter.className = "plenum-counter";
        counter.id = `plenum-counter-${name}`;
        input.insertAdjacentElement("afterend", counter);
        const described = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", described ? `${described} ${counter.id}` : counter.id);
        counters.push({ input, counter, limit });
    }
    function countAll() {
        for (const { input, counter, limit } of counters) {
            const count = [...input.value].length;
            const over = count > limit;
            counter.textContent = say(over ? text.counterOver : text.counter, { count, limit });
            counter.classList.toggle("plenum-counter--over", over);
        }
    }

    // The live preview

    const preview = document.querySelector(".plenum-live-preview");
    let previewOpen = false;
    let previewTimer = null;
    let previewRunning = false;
    let previewAgain = false;
    let previewWidth = 1280;

    function schedulePreview() {
        if (previewOpen) {
            clearTimeout(previewTimer);
            previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY);
        }
    }

    function fitPreview() {
        const viewport = preview.querySelector(".plenum-live-preview__viewport");
        const frame = preview.querySelector(".plenum-live-preview__frame");
        const scale = Math.min(1, viewport.clientWidth / previewWidth);
        const height = previewWidth < 600 ? 740 : 900;
        frame.width = previewWidth;
        frame.height = height;
        frame.style.transform = `scale(${scale})`;
        viewport.style.height = `${Math.ceil(height * scale)}px`;
    }

    async function refreshPreview() {
        if (previewRunning) {
            previewAgain = true;
            return;
        }
        previewRunning = true;
        const state = preview.querySelector(".plenum-live-preview__state");
        const body = new FormData(form);
        for (const [name, value] of [...body]) {
            if (typeof value !== "string") {
                body.delete(name);
            }
        }
        body.delete("csrfmiddlewaretoken");
        try {
            const response = await post(text.previewUrl, body);
            const type = response.headers.get("Content-Type") || "";
            const data = type.startsWith("application/json") ? await response.json() : {};
            if (!response.ok || !data.html) {
                throw new Error(data.fehler || text.previewFailed);
            }
            preview.querySelector(".plenum-live-preview__frame").srcdoc = data.html;
            const put = (selector, value) => {
                preview.querySelector(selector).textContent = value;
            };
            put(".plenum-share-card__site", data.share.site);
            put(".plenum-share-card__title", data.share.title);
            put(".plenum-share-card__description", data.share.description);
            preview.querySelector(".plenum-share-card__image").src = data.share.image;
            put(".plenum-search-result__url", data.search.url);
            put(".plenum-search-result__title", data.search.title);
            put(".plenum-search-result__description", data.search.description);
            state.textContent = say(text.previewUpdated, { time: clock(Date.now()) });
        } catch (error) {
            state.textContent = error.message || text.previewFailed;
        } finally {
            previewRunning = false;
            if (previewAgain) {
                previewAgain = false;
                schedulePreview();
            }
        }
    }

    if (preview) {
        const toggle = preview.querySelector(".plenum-live-preview__toggle");
        const panel = preview.querySelector(".plenum-live-preview__panel");
        toggle.addEventListener("click", () => {
            previewOpen = !previewOpen;
            panel.hidden = !previewOpen;
            toggle.setAttribute("aria-expanded", String(previewOpen));
            toggle.textContent = previewOpen ? text.previewHide : text.previewShow;
            form.classList.toggle("plenum-split", previewOpen);
            if (previewOpen) {
                fitPreview();
                refreshPreview();
            }
        });
        for (const button of preview.querySelectorAll("[data-width]")) {
            button.addEventListener("click", () => {
                previewWidth = Number(button.dataset.width);
                for (const other of preview.querySelectorAll("[data-width]")) {
                    other.setAttribute("aria-pressed", String(other === button));
                }
                fitPreview();
            });
        }
        window.addEventListener("resize", () => previewOpen && fitPreview());
    }

    countAll();
    offerBack();
})();
