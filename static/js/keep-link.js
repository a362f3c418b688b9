/* The reporter's private link: copied with one tap (or selected, where the clipboard is not allowed), and kept on
   this phone in "Laporan saya" (static/js/outbox.js), found again from the home page after the tab is closed. */
"use strict";

(function () {
  var input = document.getElementById("private-link"), state = document.getElementById("copy-state");
  var thanks = document.getElementById("filed-title"), own = document.getElementById("own-report");
  // A complaint that is not public has no public link (no data-url): the private one is all that is kept.
  // data-kept once the phone holds it: a page left sooner may take the unfinished write with it.
  myReports.keep({ code: own.dataset.code, url: own.dataset.url || null, private_url: input.value })
    .then(function () { own.dataset.kept = "true"; });
  if (thanks) { thanks.focus(); performance.mark("lapor:confirmation-shown"); }
  document.getElementById("copy-link").addEventListener("click", function () {
    function selected() { input.select(); state.textContent = state.dataset.select; }
    if (!navigator.clipboard) { selected(); return; }
    navigator.clipboard.writeText(input.value).then(function () { state.textContent = state.dataset.copied; }, selected);
  });
})();
