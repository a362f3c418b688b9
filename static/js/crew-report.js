/* A crew member chooses what they did to a report; offline, the change waits on the phone and a conflict is shown.
   After a change the page reloads and says what changed. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  var DONE_KEY = "lapor-changed";
  var changed = document.getElementById("changed");
  var done = sessionStorage.getItem(DONE_KEY);
  if (done) {
    sessionStorage.removeItem(DONE_KEY);
    changed.textContent = done; changed.hidden = false; changed.focus();
  }
  var form = document.getElementById("action");
  if (!form) return;
  var state = document.getElementById("action-state");
  var code = form.dataset.code;   // one waiting change per report

  function say(text, kind) {
    state.hidden = false; state.textContent = text; state.className = "send-state " + (kind || "");
    state.setAttribute("role", kind === "error" ? "alert" : "status");
  }

  function chosen() { var c = form.querySelector("[name=status]:checked"); return c ? c.value : ""; }

  function actionLabel(status) {
    var input = form.querySelector("[name=status][value='" + status + "']");
    return input ? input.parentNode.textContent.trim() : status;
  }

  // Only what the chosen action needs: the photo to mark it fixed, the original's code for a duplicate.
  function showNeeds() {
    form.querySelectorAll("[data-for]").forEach(function (box) { box.hidden = box.dataset.for !== chosen(); });
  }
  form.addEventListener("change", showNeeds);

  function send(change) {
    var body = new FormData();
    Object.keys(change.fields).forEach(function (name) { body.append(name, change.fields[name]); });
    if (change.photo) body.append("photo", change.photo, "selesai.jpg");
    return fetch("/api/v1/reports/" + code + "/status", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": form.csrfmiddlewaretoken.value, Accept: "application/json" },
    }).then(function (r) {
      if (r.status >= 500) throw new Error("server unavailable");  // like no network: the change waits
      return r.json().then(function (answer) { return { status: r.status, body: answer }; });
    });
  }

  function handle(answer, action) {
    actionOutbox.remove(code);
    form.querySelectorAll("[aria-invalid]").forEach(function (field) { field.removeAttribute("aria-invalid"); });
    if (answer.status === 200) {
      sessionStorage.setItem(DONE_KEY, TEXT.changed.replace("%(action)s", action)
        .replace("%(status)s", answer.body.properties.status_label));
      window.location.reload();
      return;
    }
    if (answer.status === 409) {
      say(TEXT.conflict + " " + answer.body.current.properties.status_label, "error");
      return;
    }
    var messages = [], first = null;
    Object.keys(answer.body).forEach(function (field) {
      messages = messages.concat(answer.body[field]);
      var input = form.elements[field];
      if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    });
    say(messages.join(" ") || TEXT.error, "error");
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!chosen()) { say(TEXT.choose, "error"); form.querySelector("[name=status]").focus(); return; }
    var change = {
      fields: { status: chosen(), note: form.note.value, public: form.public.checked ? "true" : "false",
                duplicate_of: form.duplicate_of.value,
                version: form.dataset.version },
      photo: chosen() === "selesai" ? form.photo.files[0] || null : null,
      action: actionLabel(chosen()),
    };
    send(change).then(function (answer) { handle(answer, change.action); }).catch(function () {
      // Offline, or no server: keep the change, photo and all, and send it when they return.
      change.code = code;
      actionOutbox.put(change).then(function () { say(TEXT.queued, "waiting"); });
    });
  });

  function retry() {
    if (!navigator.onLine) return;
    actionOutbox.get(code).then(function (waiting) {
      if (waiting) send(waiting).then(function (answer) { handle(answer, waiting.action); }).catch(function () {});
    });
  }
  window.addEventListener("online", retry);
  setInterval(retry, 10000);
  retry();
})();
