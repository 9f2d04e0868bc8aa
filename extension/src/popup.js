// The toolbar popup: start or stop a sweep and watch it (the state is the service worker's,
// kept in chrome.storage.session, so closing the popup stops nothing).
(function () {
  "use strict";

  var t = ViewPayWords.t;
  var $ = function (id) { return document.getElementById(id); };
  var ACTIVE = ["loading", "running"];

  function phaseText(s) {
    switch (s.phase) {
      case "loading": return t("sweepLoading");
      case "running": return t("sweepProgress", [String(s.position), String(s.total)]);
      case "done": return s.total ? t("sweepDone", [String(s.sent + s.proposed), String(s.total)])
        : t("sweepEmpty");
      case "stopped": return t("sweepStopped");
      case "interrupted": return t("sweepInterrupted");
      case "blocked": return t(s.wall === "login" ? "sweepBlockedLogin" : "sweepBlockedWaf");
      case "failed": return t("sweepFailed", [ViewPayWords.apiError(s.code)]);
      default: return t("sweepIdle");
    }
  }

  function render(s) {
    s = s || {phase: "idle"};
    var active = ACTIVE.indexOf(s.phase) !== -1;
    var started = s.phase !== "idle" && s.phase !== "loading" && s.total > 0;
    var phase = $("sweep-phase");
    phase.textContent = phaseText(s);
    phase.className = s.phase === "blocked" || s.phase === "failed" ? "error"
      : s.phase === "done" ? "ok" : "";
    $("sweep-progress").hidden = !started;
    $("sweep-progress").max = s.total || 1;
    $("sweep-progress").value = s.phase === "running" ? s.position - 1 : s.position || 0;
    $("sweep-counts").hidden = !started;
    $("sweep-counts").textContent = started ? t("sweepCounts",
      [String(s.sent), String(s.proposed), String(s.skipped.length)]) : "";
    var list = $("sweep-skipped");
    list.replaceChildren.apply(list, (s.skipped || []).map(function (skip) {
      var item = document.createElement("li");
      item.textContent = t("skippedItem", [skip.videoId, ViewPayWords.skipped(skip.why)]);
      return item;
    }));
    list.hidden = !(s.skipped && s.skipped.length);
    $("sweep-pace").hidden = !active || !s.paceSeconds;
    $("sweep-pace").textContent = s.paceSeconds ? t("sweepPace", [String(s.paceSeconds)]) : "";
    $("sweep-start").hidden = active;
    $("sweep-stop").hidden = !active;
  }

  $("sweep-start").addEventListener("click", function () {
    chrome.runtime.sendMessage({type: "sweep-start"});
  });
  $("sweep-stop").addEventListener("click", function () {
    chrome.runtime.sendMessage({type: "sweep-stop"});
  });
  $("open-options").addEventListener("click", function () {
    chrome.runtime.openOptionsPage();
  });
  chrome.storage.onChanged.addListener(function (changes, area) {
    if (area === "session" && changes.sweep) {
      render(changes.sweep.newValue);
    }
  });
  chrome.storage.session.get("sweep").then(function (stored) { render(stored.sweep); });
})();
