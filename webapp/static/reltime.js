/* Relative times that stay current without asking the server (the live fragment's ETag does not
 * change as time passes, so a watching page gets 304s until something really changes).
 *
 * Markup contract (webapp/submissions/cards.py renders it; no inline script under our CSP):
 *  - <time datetime="2026-11-30T01:02:03Z" data-rel="ago">3 menit yang lalu</time>: how long ago;
 *    data-rel="in": the time left ("1 jam"), inside an element of class "vc-next" whose whole text
 *    becomes the "soon" words once less than a minute is left;
 *  - the nearest ancestor with data-now carries the server's clock at render time (the phone's
 *    clock may be off) and the page language's words: data-just-now ("baru saja") and
 *    data-soon ("segera diperbarui lagi").
 * Words follow Babel's format_timedelta (the server's): the largest unit reaching 0,85 of one,
 * rounded half to even, in the page's language (<html lang>) through the browser's Intl (the
 * same CLDR data). The server's words stay as they are where Intl is missing.
 */
(function () {
  "use strict";
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60], ["second", 1]];
  var TICK_MS = 15000;
  var skew = new WeakMap(); // holder of data-now -> server clock minus ours, in ms

  function roundHalfEven(x) {
    var r = Math.round(x);
    return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r;
  }

  function span(seconds) {
    var abs = Math.abs(seconds);
    for (var i = 0; i < UNITS.length; i++) {
      var value = abs / UNITS[i][1];
      if (value >= 0.85 || i === UNITS.length - 1) {
        if (i === UNITS.length - 1 && value > 0) value = Math.max(1, value);
        return { unit: UNITS[i][0], value: roundHalfEven(value) };
      }
    }
  }

  function serverNow(holder) {
    if (!skew.has(holder)) {
      var at = Date.parse(holder.getAttribute("data-now"));
      skew.set(holder, isNaN(at) ? 0 : at - Date.now());
    }
    return Date.now() + skew.get(holder);
  }

  function words(el, lang, holder) {
    var at = Date.parse(el.getAttribute("datetime"));
    if (isNaN(at)) return null;
    var seconds = Math.floor((at - serverNow(holder)) / 1000);
    if (el.getAttribute("data-rel") === "in") {
      if (seconds < 60) return { soon: holder.getAttribute("data-soon") };
      var left = span(seconds);
      return { text: new Intl.NumberFormat(lang, { style: "unit", unit: left.unit,
                                                    unitDisplay: "long" }).format(left.value) };
    }
    if (Math.abs(seconds) < 60) return { text: holder.getAttribute("data-just-now") };
    var ago = span(seconds);
    return { text: new Intl.RelativeTimeFormat(lang, { numeric: "always" })
                     .format(seconds < 0 ? -ago.value : ago.value, ago.unit) };
  }

  function refresh() {
    if (typeof Intl === "undefined" || !Intl.RelativeTimeFormat) return;
    var lang = document.documentElement.lang || "id";
    document.querySelectorAll("time[data-rel]").forEach(function (el) {
      var holder = el.closest("[data-now]");
      if (!holder) return;
      var shown;
      try { shown = words(el, lang, holder); } catch (e) { return; } // an unknown language
      if (!shown) return;
      if (shown.soon) {
        var next = el.closest(".vc-next");
        if (next && shown.soon) next.textContent = shown.soon;
      } else if (shown.text && el.textContent !== shown.text) {
        el.textContent = shown.text;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  setInterval(refresh, TICK_MS);
})();
