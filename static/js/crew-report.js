/* A crew member changes a report's status; offline, the change waits on the phone and a conflict is shown. */
"use strict";

(function () {
  var TEXT = JSON.parse(document.getElementById("texts").textContent);
  var form = document.getElementById("action");
  if (!form) return;
  var state = document.getElementById("action-state");
  var code = form.dataset.code;   // one waiting change per report

  function say(text, kind) { state.hidden = false; state.textContent = text; state.className = "send-state " + (kind || ""); }

  function send(change) {
    var body = new FormData();
    Object.keys(change.fields).forEach(function (name) { body.append(name, change.fields[name]); });
    if (change.photo) body.append("photo", change.photo, "selesai.jpg");
    return fetch("/api/v1/reports/" + form.dataset.code + "/status", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": form.csrfmiddlewaretoken.value, Accept: "application/json" },
    }).then(function (r) {
      if (r.status >= 500) throw new Error("server unavailable");  // like no network: the change waits
      return r.json().then(function (answer) { return { status: r.status, body: answer }; });
    });
  }

  function handle(answer) {
    actionOutbox.remove(code);
    if (answer.status === 200) { say(TEXT.sent); window.location.reload(); return; }
    if (answer.status === 409) {
      say(TEXT.conflict + " " + answer.body.current.properties.status_label, "waiting");
      return;
    }
    var messages = [];
    Object.keys(answer.body).forEach(function (field) { messages = messages.concat(answer.body[field]); });
    say(messages.join(" ") || TEXT.error);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var change = {
      fields: { status: form.status.value, note: form.note.value, public: form.public.checked ? "true" : "false",
                duplicate_of: form.duplicate_of.value,
                version: form.dataset.version },
      photo: form.photo.files[0] || null,
    };
    send(change).then(handle).catch(function () {
      // Offline, or no server: keep the change, photo and all, and send it when they return.
      change.code = code;
      actionOutbox.put(change).then(function () { say(TEXT.queued, "waiting"); });
    });
  });

  function retry() {
    if (!navigator.onLine) return;
    actionOutbox.get(code).then(function (waiting) {
      if (waiting) send(waiting).then(handle).catch(function () {});
    });
  }
  window.addEventListener("online", retry);
  setInterval(retry, 10000);
  retry();
})();
