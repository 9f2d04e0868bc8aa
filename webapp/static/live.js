/* Live numbers: highlights values that changed after an HTMX swap (owned by the earnings pages).
 *
 * Markup contract (no inline script: the CSP allows only our own files):
 *  - a number that updates itself carries data-live-value="<raw value>" and an id or a
 *    data-live-key; after any HTMX swap, each one whose value differs from the last one seen
 *    under its key gets the class "changed" for about two seconds (creator.css animates it);
 *  - a polled region may carry data-etag: its requests send If-None-Match, and a 304 answer
 *    leaves the region alone (without it the browser turns a 304 into the cached 200 and htmx
 *    would swap the same content again, closing open <details> and making screen readers
 *    re-read an aria-live region every poll). The region's next ETag comes from the response.
 */
(function () {
  "use strict";
  var HIGHLIGHT_MS = 2000;
  var known = new Map();

  function keyOf(el) {
    return el.getAttribute("data-live-key") || el.id;
  }

  function highlight(el) {
    el.classList.remove("changed");
    void el.offsetWidth; // restart the animation when a value changes twice in a row
    el.classList.add("changed");
    clearTimeout(el._liveTimer);
    el._liveTimer = setTimeout(function () { el.classList.remove("changed"); }, HIGHLIGHT_MS);
  }

  // Compare every live value with the last one seen under its key; remember the new ones.
  // Runs after htmx has settled (settling rewrites the class attribute of swapped elements).
  function scan(mark) {
    document.querySelectorAll("[data-live-value]").forEach(function (el) {
      var key = keyOf(el);
      if (!key) return;
      var value = el.getAttribute("data-live-value");
      if (mark && known.has(key) && known.get(key) !== value) highlight(el);
      known.set(key, value);
    });
  }

  var pending = null;
  function scanSoon() {
    clearTimeout(pending);
    pending = setTimeout(function () { scan(true); }, 0);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(false); });
  document.addEventListener("htmx:afterSettle", scanSoon);
  document.addEventListener("htmx:oobAfterSwap", function () {
    // Out-of-band regions settle with the main swap; look once more after htmx's settle delay.
    setTimeout(scanSoon, 50);
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var etag = evt.detail.elt && evt.detail.elt.getAttribute("data-etag");
    if (etag && evt.detail.verb === "get") evt.detail.headers["If-None-Match"] = etag;
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status === 304) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      return;
    }
    var elt = evt.detail.elt;
    var etag = xhr.getResponseHeader("ETag");
    if (etag && elt && elt.hasAttribute("data-etag")) elt.setAttribute("data-etag", etag);
  });
})();
