/* Photo review on the staff desk: open a thumbnail, draw rectangles over faces and number plates with the pointer
   (mouse, finger or pen), publish. The rectangles are sent as fractions of the photo; the next photo opens in
   place, so the page loads once for the whole grid. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  var grid = document.getElementById("photo-grid");
  if (!grid) return;
  var reviewer = document.getElementById("reviewer"), title = document.getElementById("reviewer-title");
  var canvas = document.getElementById("review-canvas"), image = document.createElement("img");
  var form = document.getElementById("review-form"), button = document.getElementById("publish");
  var status = document.getElementById("review-status"), counter = document.getElementById("review-count");
  var regions = [], drawing = null, current = null;

  function say(text) { status.textContent = text; status.hidden = false; }

  function draw() {
    var ctx = canvas.getContext("2d");
    canvas.width = canvas.clientWidth;
    canvas.height = canvas.clientHeight;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffd43b";
    ctx.fillStyle = "rgba(0, 0, 0, .35)";
    regions.concat(drawing ? [drawing] : []).forEach(function (r) {
      ctx.fillRect(r.left * canvas.width, r.top * canvas.height, r.width * canvas.width, r.height * canvas.height);
      ctx.strokeRect(r.left * canvas.width, r.top * canvas.height, r.width * canvas.width, r.height * canvas.height);
    });
    document.getElementById("region-count").textContent = TEXT.regions.replace("%(count)s", regions.length);
    button.textContent = regions.length ? button.dataset.blur : button.dataset.plain;
  }

  function at(event) {
    var box = canvas.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
             y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)) };
  }

  canvas.addEventListener("pointerdown", function (event) {
    canvas.setPointerCapture(event.pointerId);
    var p = at(event);
    drawing = { x0: p.x, y0: p.y, left: p.x, top: p.y, width: 0, height: 0 };
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    var p = at(event);
    drawing.left = Math.min(p.x, drawing.x0); drawing.top = Math.min(p.y, drawing.y0);
    drawing.width = Math.abs(p.x - drawing.x0); drawing.height = Math.abs(p.y - drawing.y0);
    draw();
  });
  canvas.addEventListener("pointerup", function () {
    if (drawing && drawing.width > 0.01 && drawing.height > 0.01) {
      regions.push({ left: drawing.left, top: drawing.top, width: drawing.width, height: drawing.height });
    }
    drawing = null;
    draw();
  });
  document.getElementById("undo-region").addEventListener("click", function () { regions.pop(); draw(); });

  function open(thumb) {
    if (current) current.setAttribute("aria-pressed", "false");
    current = thumb;
    current.setAttribute("aria-pressed", "true");
    regions = [];
    title.textContent = thumb.dataset.label;
    image.alt = thumb.querySelector("img").alt;
    image.onload = function () {
      if (!image.parentNode) canvas.parentNode.insertBefore(image, canvas);
      reviewer.hidden = false;
      draw();
      title.focus();
    };
    image.src = thumb.dataset.image;
  }

  grid.addEventListener("click", function (event) {
    var thumb = event.target.closest(".thumb");
    if (thumb) open(thumb);
  });
  window.addEventListener("resize", function () { if (!reviewer.hidden) draw(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) return;
    var body = new FormData(form), done = current;
    body.set("regions", JSON.stringify(regions));
    button.disabled = true;
    fetch(form.dataset.url.replace("/0/", "/" + done.dataset.id + "/"), { method: "POST", body: body })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (answer) {
        var next = done.parentNode.nextElementSibling || done.parentNode.previousElementSibling;
        done.parentNode.remove();
        counter.textContent = Math.max(0, Number(counter.textContent) - 1);
        say(answer.blurred ? TEXT.blurred.replace("%(count)s", answer.blurred) : TEXT.published);
        current = null;
        if (next) { open(next.querySelector(".thumb")); } else { reviewer.hidden = true; say(TEXT.done); }
      })
      .catch(function () { say(TEXT.error); })
      .finally(function () { button.disabled = false; });
  });
})();
