// "Foto einfügen": places a photo of the library in a release's text, as
// <figure data-image="42"> with an optional <figcaption> of its own. Alt text,
// credit and renditions stay in the library; the server checks every reference
// on save (office/media/photos.py) and renders the photo on the site.
import { crel, gettext, Node } from "django-prose-editor/editor"

// One request for all the photos a text shows when the form opens.
const details = new Map()
let pending = null

const photoDetails = (chooserUrl, id) => {
    if (details.has(id)) return details.get(id)
    if (!pending) {
        pending = new Map()
        setTimeout(() => {
            const batch = pending
            pending = null
            const query = [...batch.keys()].map((each) => `id=${encodeURIComponent(each)}`)
            fetch(`${chooserUrl}?${query.join("&")}`, { credentials: "same-origin" })
                .then((response) => (response.ok ? response.json() : { results: [] }))
                .catch(() => ({ results: [] }))
                .then(({ results }) => {
                    const found = new Map(results.map((photo) => [String(photo.id), photo]))
                    for (const [each, resolve] of batch) resolve(found.get(each) || null)
                })
        })
    }
    const promise = new Promise((resolve) => pending.set(id, resolve))
    details.set(id, promise)
    return promise
}

const captionLine = (photo, caption) => {
    const text = caption || photo.caption
    return [text, photo.credit].filter(Boolean).join(" · ")
}

let chooserCount = 0

// A dialog with a search box over the library, as a combobox: type to search,
// arrow keys move through the photos, Enter places the one marked.
const choosePhoto = (editor, chooserUrl, current) =>
    new Promise((resolve) => {
        const prefix = `plenum-photo-chooser-${++chooserCount}`
        const search = crel("input", {
            id: `${prefix}-search`,
            type: "search",
            autocomplete: "off",
            role: "combobox",
            "aria-autocomplete": "list",
            "aria-expanded": "true",
            "aria-controls": `${prefix}-list`,
        })
        const list = crel("ul", {
            id: `${prefix}-list`,
            className: "plenum-photo-chooser__list",
            role: "listbox",
            "aria-label": gettext("Fotos der Bildersammlung"),
        })
        const status = crel("p", {
            className: "plenum-photo-chooser__status",
            role: "status",
        })
        const caption = crel("input", {
            id: `${prefix}-caption`,
            type: "text",
            maxLength: 300,
            value: current?.caption || "",
        })
        const insert = crel("button", {
            type: "submit",
            textContent: current ? gettext("Übernehmen") : gettext("Einfügen"),
        })
        const cancel = crel("button", { type: "button", textContent: gettext("Abbrechen") })
        const form = crel("form", {}, [
            crel("h3", {
                className: "prose-editor-dialog-title",
                textContent: gettext("Foto einfügen"),
            }),
            crel("div", { className: "prose-editor-dialog-field" }, [
                crel("label", {
                    htmlFor: search.id,
                    textContent: gettext("Foto suchen (Alternativtext, Bildunterschrift, Bildnachweis)"),
                }),
                search,
            ]),
            status,
            list,
            crel("div", { className: "prose-editor-dialog-field" }, [
                crel("label", {
                    htmlFor: caption.id,
                    textContent: gettext("Eigene Bildunterschrift (optional)"),
                }),
                caption,
                crel("span", {
                    className: "prose-editor-help",
                    textContent: gettext(
                        "Leer lassen, um die Bildunterschrift aus der Bildersammlung zu zeigen.",
                    ),
                }),
            ]),
            crel("div", { className: "prose-editor-dialog-buttons" }, [insert, cancel]),
        ])
        const dialog = crel("dialog", { className: "prose-editor-dialog plenum-photo-chooser" }, [
            form,
        ])
        editor.view.dom.parentElement.append(dialog)

        let photos = []
        let active = -1
        let chosen = false

        const mark = (index) => {
            active = index
            list.querySelectorAll("[role=option]").forEach((option, i) => {
                option.setAttribute("aria-selected", String(i === index))
            })
            const option = list.children[index]
            if (option) {
                search.setAttribute("aria-activedescendant", option.id)
                option.scrollIntoView({ block: "nearest" })
            } else {
                search.removeAttribute("aria-activedescendant")
            }
        }

        const show = (results) => {
            photos = results
            list.replaceChildren(
                ...results.map((photo, index) => {
                    const option = crel(
                        "li",
                        {
                            id: `${prefix}-photo-${photo.id}`,
                            className: "plenum-photo-chooser__option",
                            role: "option",
                            "aria-selected": "false",
                        },
                        [
                            crel("img", { src: photo.thumbnail, alt: "", width: 56, height: 56 }),
                            crel("span", {}, [
                                crel("strong", { textContent: photo.alt }),
                                crel("small", { textContent: captionLine(photo, "") }),
                            ]),
                        ],
                    )
                    option.addEventListener("click", () => {
                        mark(index)
                        search.focus()
                    })
                    option.addEventListener("dblclick", () => {
                        mark(index)
                        choose()
                    })
                    return option
                }),
            )
            status.textContent = results.length
                ? interpolate(
                      ngettext(
                          "%s Foto gefunden. Mit den Pfeiltasten wählen, mit der Eingabetaste einfügen.",
                          "%s Fotos gefunden. Mit den Pfeiltasten wählen, mit der Eingabetaste einfügen.",
                          results.length,
                      ),
                      [results.length],
                  )
                : gettext("Kein Foto gefunden.")
            const preselected = results.findIndex((photo) => String(photo.id) === current?.image)
            mark(preselected >= 0 ? preselected : results.length ? 0 : -1)
        }

        let latest = 0
        const load = () => {
            const asked = ++latest
            const url = `${chooserUrl}?q=${encodeURIComponent(search.value.trim())}`
            fetch(url, { credentials: "same-origin" })
                .then((response) => (response.ok ? response.json() : Promise.reject()))
                .then(({ results }) => {
                    // A slower answer to an earlier query must not replace a newer one.
                    if (asked === latest) show(results)
                })
                .catch(() => {
                    if (asked === latest) {
                        status.textContent = gettext("Die Bildersammlung ist gerade nicht erreichbar.")
                    }
                })
        }

        let typing = null
        search.addEventListener("input", () => {
            clearTimeout(typing)
            typing = setTimeout(load, 200)
        })
        search.addEventListener("keydown", (event) => {
            if (event.key === "ArrowDown" && photos.length) {
                event.preventDefault()
                mark(Math.min(active + 1, photos.length - 1))
            } else if (event.key === "ArrowUp" && photos.length) {
                event.preventDefault()
                mark(Math.max(active - 1, 0))
            } else if (event.key === "Enter") {
                event.preventDefault()
                choose()
            }
        })

        const choose = () => {
            const photo = photos[active]
            if (!photo) {
                status.textContent = gettext("Bitte zuerst ein Foto auswählen.")
                search.focus()
                return
            }
            details.set(String(photo.id), Promise.resolve(photo))
            chosen = { image: String(photo.id), caption: caption.value.trim() }
            dialog.close()
        }

        form.addEventListener("submit", (event) => {
            event.preventDefault()
            choose()
        })
        cancel.addEventListener("click", () => dialog.close())
        dialog.addEventListener("close", () => {
            dialog.remove()
            resolve(chosen || null)
        })
        dialog.showModal()
        search.focus()
        load()
    })

export const PlenumPhoto = Node.create({
    name: "plenumPhoto",
    group: "block",
    atom: true,
    draggable: true,
    selectable: true,

    addOptions() {
        return { chooserUrl: null }
    },

    addAttributes() {
        return {
            image: {
                default: null,
                parseHTML: (element) => element.getAttribute("data-image"),
                renderHTML: (attributes) => ({ "data-image": attributes.image }),
            },
            caption: {
                default: "",
                parseHTML: (element) =>
                    element.querySelector("figcaption")?.textContent.trim() || "",
                renderHTML: () => ({}),
            },
        }
    },

    parseHTML() {
        return [{ tag: "figure[data-image]" }]
    },

    renderHTML({ node, HTMLAttributes }) {
        const figure = ["figure", HTMLAttributes]
        return node.attrs.caption ? [...figure, ["figcaption", node.attrs.caption]] : figure
    },

    addNodeView() {
        const { chooserUrl } = this.options
        return ({ node }) => {
            const image = crel("img", { alt: "" })
            const text = crel("figcaption")
            const dom = crel("figure", { className: "plenum-photo", "data-image": node.attrs.image }, [
                image,
                text,
            ])
            dom.contentEditable = "false"
            const fill = (attrs) => {
                photoDetails(chooserUrl, attrs.image).then((photo) => {
                    if (!photo) {
                        image.hidden = true
                        text.textContent = gettext(
                            "Dieses Foto ist nicht mehr in der Bildersammlung und wird beim Speichern entfernt.",
                        )
                        return
                    }
                    image.hidden = false
                    image.src = photo.preview
                    image.alt = photo.alt
                    text.textContent = captionLine(photo, attrs.caption)
                })
            }
            fill(node.attrs)
            return {
                dom,
                update(updated) {
                    if (updated.type.name !== "plenumPhoto") return false
                    dom.dataset.image = updated.attrs.image
                    fill(updated.attrs)
                    return true
                },
            }
        }
    },

    addCommands() {
        return {
            choosePhoto:
                () =>
                ({ editor }) => {
                    const { node } = editor.state.selection
                    const current = node?.type.name === this.name ? node.attrs : null
                    choosePhoto(editor, this.options.chooserUrl, current).then((attrs) => {
                        if (!attrs) {
                            editor.commands.focus()
                        } else if (current) {
                            editor.chain().focus().updateAttributes(this.name, attrs).run()
                        } else {
                            editor.chain().focus().insertContent({ type: this.name, attrs }).run()
                        }
                    })
                    return true
                },
        }
    },

    addMenuItems({ menu, buttons }) {
        menu.defineItem({
            name: "plenumPhoto",
            groups: "nodes",
            command(editor) {
                editor.commands.choosePhoto()
            },
            button: buttons.material("image", gettext("Foto einfügen")),
        })
    },
})
