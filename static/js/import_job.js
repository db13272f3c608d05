/* The import job page (procurement/views/imports.py): while the job is queued or running, its card
 * ([data-import-job][data-refresh]) is fetched again every few seconds and swapped in, until the card
 * that comes back has no data-refresh (the job ended, or stalled). No inline script or style: the
 * portal's Content-Security-Policy allows neither. Without JavaScript, a <noscript> refresh does it.
 */
(function () {
  "use strict";

  var FAILURE_BACKOFF = 4;  // after a failed fetch, wait this many intervals before trying again

  function schedule(delayFactor) {
    var card = document.querySelector("[data-import-job][data-refresh]");
    if (!card) {
      return;
    }
    var seconds = parseFloat(card.dataset.refreshSeconds) || 2;
    window.setTimeout(function () { refresh(card); }, seconds * 1000 * delayFactor);
  }

  function refresh(card) {
    fetch(card.dataset.refresh, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var fresh = template.content.querySelector("[data-import-job]");
        if (!fresh) {
          return;  // not the card (a sign-in page once the session ended): stop, the user reloads
        }
        card.replaceWith(fresh);
        schedule(1);
      })
      .catch(function () { schedule(FAILURE_BACKOFF); });
  }

  schedule(1);
})();
