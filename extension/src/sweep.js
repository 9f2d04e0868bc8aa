// Sweep mode: ViewPay lists the tracked videos its workers cannot read; the admin's browser
// opens them one at a time in a background tab at a polite pace, the content script reads each
// page, and the count goes to ViewPay. A CAPTCHA, security check or login wall stops the sweep
// with that tab left open for the admin: going on would only meet the same wall again.
//
// The progress lives in chrome.storage.session ("sweep"), which the popup renders.
var Sweep = (function () {
  "use strict";

  var LIMIT = 100;
  var PAGE_TIMEOUT_MS = 45000;
  var KEEPALIVE_MS = 20000;
  var WALLS = ["waf", "captcha", "login"];
  // ViewPay answers that no later video would get past either: stop and say why.
  var FATAL = ["not_configured", "network", "missing_token", "invalid_token", "token_revoked",
    "insufficient_scope", "admin_token_required", "rate_limited"];

  var run = null;
  var state = {phase: "idle"};

  function save(patch) {
    state = Object.assign({}, state, patch);
    return chrome.storage.session.set({sweep: state});
  }

  function sleep(ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, ms);
      run.wake = function () { clearTimeout(timer); resolve(); };
    });
  }

  function isLoginUrl(url) {
    try {
      return /^\/login(?:\/|$)/.test(new URL(url).pathname);
    } catch (e) {
      return false;
    }
  }

  // The listed address on this build's TikTok (the real one, or the test sandbox).
  function pageUrl(listed) {
    var url = new URL(listed);
    return VIEWPAY_CONFIG.tiktokOrigin + url.pathname + url.search;
  }

  // Open the page in a background tab; wait for the content script's report of it.
  function readInTab(url) {
    return new Promise(function (resolve) {
      var done = false;
      var timer = null;
      function finish(outcome) {
        if (done) {
          return;
        }
        done = true;
        clearTimeout(timer);
        chrome.tabs.onUpdated.removeListener(onUpdated);
        run.waiting = null;
        resolve(outcome);
      }
      function onUpdated(tabId, change, tab) {
        if (tabId === run.tabId && isLoginUrl(change.url || tab.url || "")) {
          finish({wall: "login"});
        }
      }
      chrome.tabs.onUpdated.addListener(onUpdated);
      run.waiting = finish;
      run.opening = true;
      chrome.tabs.create({url: url, active: false}).then(function (tab) {
        run.tabId = tab.id;
        run.opening = false;
        if (run.early[tab.id]) {
          finish({report: run.early[tab.id]});
        }
      });
      timer = setTimeout(function () { finish({timeout: true}); }, PAGE_TIMEOUT_MS);
    });
  }

  // What became of one video: "sent", "proposed", ["skip", why], ["wall", which] or
  // ["fatal", code].
  function handle(outcome) {
    if (outcome.timeout) {
      return Promise.resolve(["skip", "timeout"]);
    }
    if (outcome.wall) {
      return Promise.resolve(["wall", outcome.wall]);
    }
    var result = outcome.report.result;
    if (!result.ok) {
      if (result.error === "Blocked" && WALLS.indexOf(result.reason) !== -1) {
        return Promise.resolve(["wall", result.reason]);
      }
      return Promise.resolve(["skip", result.reason === "status" ? result.error : result.reason]);
    }
    if (!result.exact) {
      return Promise.resolve(["skip", "rounded"]);
    }
    var body = ViewPay.observationOf(result, outcome.report.seenAt);
    return ViewPay.observe(body).then(function (sent) {
      if (sent.ok) {
        return sent.data.observation.state === "proposed" ? "proposed" : "sent";
      }
      if (FATAL.indexOf(sent.code) !== -1) {
        return ["fatal", sent.code];
      }
      return ["skip", sent.code === "needs_confirmation" ? "decrease" : sent.code];
    });
  }

  function closeTab() {
    if (run.tabId !== null) {
      chrome.tabs.remove(run.tabId).catch(function () {});
    }
  }

  function loop(videos, index) {
    if (run.stop) {
      return save({phase: "stopped", current: null});
    }
    if (index >= videos.length) {
      return save({phase: "done", current: null});
    }
    var started = Date.now();
    var video = videos[index];
    run.tabId = null;
    run.early = {};
    return save({position: index + 1, current: video.video_id})
      .then(function () { return readInTab(pageUrl(video.url)); })
      .then(handle)
      .then(function (what) {
        if (what[0] === "wall") {
          chrome.tabs.update(run.tabId, {active: true}).catch(function () {});
          return save({phase: "blocked", wall: what[1], current: video.video_id});
        }
        closeTab();
        if (what[0] === "fatal") {
          return save({phase: "failed", code: what[1], current: null});
        }
        var patch = {};
        if (what === "sent" || what === "proposed") {
          patch[what] = state[what] + 1;
        } else {
          patch.skipped = state.skipped.concat([{videoId: video.video_id, why: what[1]}]);
        }
        return save(patch).then(function () {
          var wait = started + state.paceSeconds * 1000 - Date.now();
          return index + 1 < videos.length && wait > 0 ? sleep(wait) : null;
        }).then(function () { return loop(videos, index + 1); });
      });
  }

  function sweep() {
    return ViewPay.settings().then(function (s) {
      return save({phase: "loading", total: 0, position: 0, sent: 0, proposed: 0, skipped: [],
        wall: null, code: null, current: null, paceSeconds: Number(s.paceSeconds)});
    }).then(function () {
      return ViewPay.needingObservation(LIMIT);
    }).then(function (listed) {
      if (!listed.ok) {
        return save({phase: "failed", code: listed.code});
      }
      var videos = listed.data.videos;
      return save({phase: "running", total: videos.length}).then(function () {
        return loop(videos, 0);
      });
    });
  }

  function start() {
    if (run) {
      return Promise.resolve({started: false});
    }
    run = {stop: false, tabId: null, opening: false, early: {}, waiting: null, wake: null};
    var keepAlive = setInterval(function () { chrome.runtime.getPlatformInfo(); }, KEEPALIVE_MS);
    sweep().catch(function (e) {
      return save({phase: "failed", code: String(e && e.message || e)});
    }).finally(function () {
      clearInterval(keepAlive);
      run = null;
    });
    return Promise.resolve({started: true});
  }

  function stop() {
    if (run) {
      run.stop = true;
      if (run.wake) {
        run.wake();
      }
    }
    return Promise.resolve({stopping: run !== null});
  }

  // A content script's report; true when the page is the sweep's to read.
  function report(tabId, message) {
    if (!run || !(run.opening || run.tabId === tabId)) {
      return false;
    }
    if (run.tabId === tabId && run.waiting) {
      run.waiting({report: message});
    } else {
      run.early[tabId] = message;
    }
    return true;
  }

  // A worker the browser stopped mid-sweep cannot resume it: say so instead of "running".
  function recover() {
    return chrome.storage.session.get("sweep").then(function (stored) {
      var last = stored.sweep;
      if (!run && last && (last.phase === "running" || last.phase === "loading")) {
        state = last;
        return save({phase: "interrupted", current: null});
      }
      state = last || state;
    });
  }

  return {start: start, stop: stop, report: report, recover: recover};
})();
