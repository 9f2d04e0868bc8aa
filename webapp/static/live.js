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
 *  - a region with data-etag or data-keep-open keeps the <details> a person opened open when
 *    its content is swapped (the exact figure behind an amount must not snap shut on a poll):
 *    each is known by its own id, or by the nearest ancestor's id and its order under it.
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

  var KEEP = "[data-keep-open], [data-etag]";
  var opened = new Map(); // region id -> {keys, focused}, from just before its swap to just after

  function regionOf(el) {
    var region = el && el.closest && el.closest(KEEP);
    return region && region.id ? region : null;
  }

  function detailsKey(details, region) {
    if (details.id) return details.id;
    var holder = details.parentElement && details.parentElement.closest("[id]");
    if (!holder || !region.contains(holder)) holder = region;
    return holder.id + "/" + Array.prototype.indexOf.call(holder.querySelectorAll("details"), details);
  }

  function remember(evt) {
    var region = regionOf(evt.detail.target);
    if (!region) return;
    var keys = [], focused = null, active = document.activeElement;
    region.querySelectorAll("details[open]").forEach(function (d) {
      var key = detailsKey(d, region);
      keys.push(key);
      if (active && d.contains(active)) focused = key;
    });
    if (keys.length) opened.set(region.id, {keys: keys, focused: focused});
    else opened.delete(region.id);
  }

  // The swapped target may be the old, detached region (outerHTML): its id names the new one.
  function restore(evt) {
    var old = regionOf(evt.detail.target);
    var saved = old && opened.get(old.id);
    if (!saved) return;
    opened.delete(old.id);
    var region = document.getElementById(old.id);
    if (!region) return;
    region.querySelectorAll("details").forEach(function (d) {
      var key = detailsKey(d, region);
      if (saved.keys.indexOf(key) < 0) return;
      d.open = true;
      if (key === saved.focused && !region.contains(document.activeElement)) {
        var summary = d.querySelector("summary");
        if (summary) summary.focus({preventScroll: true});
      }
    });
  }

  document.addEventListener("htmx:afterSwap", restore);
  document.addEventListener("htmx:oobAfterSwap", restore);
  document.addEventListener("htmx:oobBeforeSwap", remember);

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status === 304) {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      return;
    }
    if (evt.detail.shouldSwap) remember(evt);
    var elt = evt.detail.elt;
    var etag = xhr.getResponseHeader("ETag");
    if (etag && elt && elt.hasAttribute("data-etag")) elt.setAttribute("data-etag", etag);
  });
})();
