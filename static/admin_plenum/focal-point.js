// Click the photo to set its focal point; the two percentage fields follow,
// and typing into them moves the marker. The fields stay the real input.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
    const picker = document.querySelector(".plenum-focal");
    const x = document.getElementById("id_focal_x");
    const y = document.getElementById("id_focal_y");
    if (!picker || !x || !y) {
        return;
    }
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".plenum-focal__marker");
    const place = () => {
        marker.style.left = `${x.value}%`;
        marker.style.top = `${y.value}%`;
    };
    image.addEventListener("click", (event) => {
        const box = image.getBoundingClientRect();
        x.value = Math.round(((event.clientX - box.left) / box.width) * 100);
        y.value = Math.round(((event.clientY - box.top) / box.height) * 100);
        place();
    });
    x.addEventListener("input", place);
    y.addEventListener("input", place);
    place();
});
