/* What every page does (no inline script: the CSP allows only our own files).
 *
 *  - Busy buttons: while a request runs, the button that started it is disabled and shows a
 *    spinner (class "busy", aria-busy), so a second tap sends nothing. Plain forms: from submit
 *    until the next page (re-enabled when the browser restores this page from its back/forward
 *    cache, or after STUCK_MS when the answer was a download); htmx: until its answer arrives.
 *  - Messages: flashed messages and the errors of htmx requests show at the top (#flash); htmx
 *    does not swap a 4xx/5xx answer (base.html's htmx-config), so its words (errors/_error.html)
 *    or, failing those, the layout's generic ones are shown instead; "no connection" goes away
 *    by itself once a request gets through. The × closes a message.
 *  - A table region that scrolls sideways (.wide) is focusable, so the keyboard scrolls it.
 *  - The admin menu (<details class="menu">) closes on a tap outside it or Escape; on a wide
 *    screen it stays open as a row of links.
 */
(function () {
  "use strict";
  var STUCK_MS = 20000;
  document.documentElement.classList.add("js");

  // --- busy buttons -------------------------------------------------------------------------
  function setBusy(button, busy) {
    if (!button) return;
    button.disabled = busy;
    button.classList.toggle("busy", busy);
    if (busy) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  }

  function submitButtonOf(form, event) {
    return (event && event.submitter) ||
      form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
  }

  function release(form) {
    delete form.dataset.busy;
    form.querySelectorAll(".busy").forEach(function (b) { setBusy(b, false); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) return; // htmx (on the form itself, earlier) sends it: see below
    if (form.dataset.busy) { // a second tap while the first is on its way
      event.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    var button = submitButtonOf(form, event);
    // After this event: disabled now, the button's own name=value would not be sent.
    setTimeout(function () { setBusy(button, true); }, 0);
    setTimeout(function () { release(form); }, STUCK_MS);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return; // restored from the back/forward cache: busy no more
    document.querySelectorAll("form[data-busy]").forEach(release);
  });

  var running = new WeakMap(); // xhr -> the button it keeps busy

  function buttonOfRequest(detail) {
    var elt = detail.elt;
    if (!elt || !elt.tagName) return null;
    if (elt.matches("button, input[type=submit]")) return elt;
    if (elt.tagName !== "FORM") return null; // polling regions, links, selects: no button
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    return submitButtonOf(elt, trigger);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = buttonOfRequest(event.detail);
    if (!button) return;
    running.set(event.detail.xhr, button);
    setBusy(button, true);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var button = running.get(xhr);
    if (event.detail.successful) removeAlerts("offline");
    if (!button) return;
    running.delete(xhr);
    if (xhr.getResponseHeader && xhr.getResponseHeader("HX-Redirect")) return; // page leaving
    setBusy(button, false);
  });

  // --- messages at the top ------------------------------------------------------------------
  function region() {
    return document.getElementById("flash");
  }

  function removeAlerts(kind) {
    var box = region();
    if (!box) return;
    box.querySelectorAll('.alert-msg[data-kind="' + kind + '"]').forEach(function (el) {
      el.remove();
    });
  }

  function showAlert(text, kind) {
    var box = region();
    var template = document.getElementById("alert-template");
    if (!box || !template || !text) return;
    var same = Array.prototype.some.call(box.querySelectorAll(".alert-msg p"), function (p) {
      return p.textContent === text;
    });
    if (same) return; // a polling region failing every few seconds says it once
    var alert = template.content.firstElementChild.cloneNode(true);
    alert.classList.remove("success");
    alert.classList.add("error");
    alert.setAttribute("role", "alert");
    alert.dataset.kind = kind;
    alert.querySelector("p").textContent = text;
    box.appendChild(alert);
  }

  // Our error fragment's heading and text; null for anything else (a proxy's page, say).
  function wordsOf(html) {
    if (!html) return null;
    var doc = new DOMParser().parseFromString(html, "text/html");
    var title = doc.querySelector("#error h1");
    if (!title) return null;
    var text = doc.querySelector("#error h1 + p");
    return title.textContent.trim() + (text ? ". " + text.textContent.trim() : "");
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    showAlert(wordsOf(xhr.responseText) || document.body.dataset.errorText, "error");
  });

  function offline() {
    showAlert(document.body.dataset.offlineText, "offline");
  }
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);

  // --- wide tables ----------------------------------------------------------------------------
  // A region that scrolls sideways on a phone (.wide around a table) must scroll from the
  // keyboard too: focusable, it takes the arrow keys.
  function focusableScrollers(root) {
    (root.querySelectorAll ? root : document).querySelectorAll(".wide").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.tabIndex = 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    focusableScrollers(elt.matches && elt.matches(".wide") ? elt.parentNode : elt);
  });

  // --- the admin menu -------------------------------------------------------------------------
  var wide = window.matchMedia("(min-width: 72rem)"); // where all its links fit in the header

  function layoutMenus() {
    document.querySelectorAll("details.menu").forEach(function (menu) {
      menu.classList.toggle("inline", wide.matches);
      menu.open = wide.matches;
    });
  }
  document.addEventListener("DOMContentLoaded", layoutMenus);
  wide.addEventListener("change", layoutMenus);

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]:not(.inline)").forEach(function (menu) {
      if (!except || !menu.contains(except)) menu.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".alert-msg .close");
    if (close) close.closest(".alert-msg").remove();
    closeMenus(event.target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]:not(.inline)");
    closeMenus(null);
    if (open) open.querySelector("summary").focus();
  });
})();
