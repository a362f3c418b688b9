/* The reporter's private link: copied with one tap (or selected, where the clipboard is not allowed). */
"use strict";

(function () {
  var input = document.getElementById("private-link"), state = document.getElementById("copy-state");
  var thanks = document.getElementById("filed-title");
  if (thanks) { thanks.focus(); performance.mark("lapor:confirmation-shown"); }
  document.getElementById("copy-link").addEventListener("click", function () {
    function selected() { input.select(); state.textContent = state.dataset.select; }
    if (!navigator.clipboard) { selected(); return; }
    navigator.clipboard.writeText(input.value).then(function () { state.textContent = state.dataset.copied; }, selected);
  });
})();
