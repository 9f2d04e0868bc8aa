// The review queue's keyboard and selection helpers (loaded by admin/queue.html only).
// j/k move between rows, a approves, r opens the reject reason, x ticks, ? shows the help.
// Nothing here fires while the admin types in a field; every action is a click on the row's own
// button, so the keyboard does exactly what the mouse does (HTMX swaps the row in place).
(function () {
  "use strict";
  var currentId = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".aq-table tbody tr.aq-row"));
  }

  var NOT_TYPING = ["checkbox", "radio", "button", "submit", "reset"];

  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable || target.closest("textarea, select, [contenteditable]")) return true;
    return target.tagName === "INPUT" && NOT_TYPING.indexOf(target.type) < 0;
  }

  function focusRow(row) {
    if (!row) return;
    rows().forEach(function (r) { r.classList.remove("aq-current"); });
    row.classList.add("aq-current");
    currentId = row.id;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function current() {
    var row = currentId && document.getElementById(currentId);
    return row && row.classList.contains("aq-row") ? row : null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(current());
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    focusRow(all[next]);
  }

  function press(key) {
    var row = current();
    var button = row && row.querySelector('button[data-key="' + key + '"]');
    if (button && !button.disabled) button.click();
  }

  function tick() {
    var row = current();
    var box = row && row.querySelector('input[name="ids"]');
    if (!box) return;
    box.checked = !box.checked;
    updateBulk();
  }

  function toggleHelp() {
    var help = document.getElementById("aq-help");
    if (!help || !help.showModal) return;
    if (help.open) help.close(); else help.showModal();
  }

  function updateBulk() {
    var ticked = document.querySelectorAll('input[name="ids"]:checked');
    var approvable = document.querySelectorAll('input[name="ids"][data-approvable="1"]:checked');
    var count = document.getElementById("aq-count");
    if (count) count.textContent = String(ticked.length);
    var approve = document.getElementById("aq-approve");
    var reject = document.getElementById("aq-reject");
    if (approve) approve.disabled = approvable.length === 0;
    if (reject) reject.disabled = ticked.length === 0;
    var all = document.getElementById("aq-all");
    var boxes = document.querySelectorAll('input[name="ids"]');
    if (all) {
      all.hidden = boxes.length === 0;
      all.checked = boxes.length > 0 && ticked.length === boxes.length;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    var help = document.getElementById("aq-help");
    if (help && help.open && event.key !== "?") return;
    var actions = {
      j: function () { move(1); }, k: function () { move(-1); },
      a: function () { press("a"); }, r: function () { press("r"); },
      x: tick, "?": toggleHelp,
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest(".aq-table tr.aq-row");
    if (row) {
      rows().forEach(function (r) { r.classList.remove("aq-current"); });
      row.classList.add("aq-current");
      currentId = row.id;
    }
    var copy = event.target.closest && event.target.closest("button[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.classList.add("aq-copied");
        setTimeout(function () { copy.classList.remove("aq-copied"); }, 1500);
      });
    }
    if (event.target.id === "aq-help-open") toggleHelp();
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "aq-all") {
      document.querySelectorAll('input[name="ids"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.name === "ids" || event.target.id === "aq-all") updateBulk();
  });

  // A row action replaced the row: keep the keyboard on it, or in its reject reason.
  document.addEventListener("htmx:afterSettle", function () {
    var row = current();
    if (row) {
      row.classList.add("aq-current");
      var reason = row.querySelector("textarea");
      if (reason) reason.focus();
      else if (!document.activeElement || document.activeElement === document.body) {
        row.focus({ preventScroll: true });
      }
    }
    updateBulk();
  });

  function ready() {
    var open = document.getElementById("aq-help-open");
    if (open) open.hidden = false;
    updateBulk();
  }
  document.addEventListener("DOMContentLoaded", ready);
  window.addEventListener("pageshow", updateBulk);  // ticks a back button restored
})();
