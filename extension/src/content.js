// On a TikTok video page: read the page's data (parse.js), show the count and ViewPay's record
// of the video (overlay.js), and send the count when the admin asks. TikTok changes videos
// without reloading, so the address is watched; the data in the page is as of its load, which
// is why a stale page is read as a mismatch and offered a reload.
(function () {
  "use strict";

  var t = ViewPayWords.t;
  var number = ViewPayWords.number;
  var WATCH_MS = 1000;
  // The page's counts are as of its load: one left open for long would send an old count.
  var STALE_MS = 10 * 60 * 1000;

  if ([VIEWPAY_CONFIG.tiktokOrigin, "https://www.tiktok.com"].indexOf(location.origin) === -1) {
    return;
  }
  // The counts in the page's data are as of its load, not of the click.
  var seenAt = new Date(performance.timeOrigin).toISOString();
  var lastUrl = null;
  var page = null;

  function viewpayLine(lookup) {
    if (!lookup) {
      return t("lookingUp");
    }
    if (!lookup.ok) {
      return lookup.code === "not_found" ? t("notTracked") : ViewPayWords.apiError(lookup.code);
    }
    var video = lookup.data;
    return video.views === null ? t("inViewPayNoCount", [ViewPayWords.videoStatus(video.status)])
      : t("inViewPay", [number(video.views), ViewPayWords.videoStatus(video.status)]);
  }

  function problem(result) {
    var view = {message: {text: ViewPayWords.page(result), tone: "error"}, buttons: []};
    if (result.reason === "mismatch") {
      view.buttons.push({label: t("reload"), action: "reload", primary: true});
    } else if (result.reason === "photo") {
      view.buttons.push({label: t("openVideo"), action: "open", primary: true,
        href: result.videoUrl});
    }
    return view;
  }

  function sendable() {
    var lookup = page.lookup;
    return page.result.exact && !page.done && lookup && lookup.ok &&
      lookup.data.status === "approved";
  }

  function view() {
    var result = page.result;
    if (page.sweep) {
      return {message: {text: t("sweepTab"), tone: "muted"}};
    }
    if (!result.ok) {
      return problem(result);
    }
    var shown = {
      count: t(result.exact ? "exactCount" : "roundedCount", [number(result.views)]),
      note: t(result.exact ? "exactNote" : "roundedNote"),
      author: result.authorHandle ? t("byAuthor", [result.authorHandle]) : null,
      viewpay: viewpayLine(page.lookup), message: page.message, buttons: []};
    if (page.stale) {
      shown.buttons.push({label: t("reload"), action: "reload", primary: true});
    } else if (page.decrease) {
      shown.decrease = {ask: t("decreaseAsk", [number(page.decrease)])};
      shown.buttons.push({label: t("decreaseConfirm"), action: "confirm", primary: true,
        disabled: page.sending});
    } else if (sendable()) {
      shown.buttons.push({label: page.sending ? t("sending") : t("send"), action: "send",
        primary: true, disabled: page.sending});
    }
    var code = (page.lookup && page.lookup.code) || page.failed;
    if (code && ViewPayWords.isSetupError(code)) {
      shown.buttons.push({label: t("openOptions"), action: "options"});
    }
    return shown;
  }

  function draw() {
    ViewPayOverlay.render(view(), act);
  }

  function lookUp() {
    return chrome.runtime.sendMessage({type: "page", result: page.result, seenAt: seenAt})
      .then(function (answer) {
        page.sweep = answer.sweep;
        page.lookup = answer.lookup || null;
      });
  }

  function sent(answer) {
    page.sending = false;
    if (answer.ok) {
      var observation = answer.data.observation;
      var key = observation.state === "proposed" ? "sentProposed" : "sentRecorded";
      page.done = true;
      page.decrease = null;
      page.message = {text: t(key, [number(observation.views)]), tone: "ok"};
      return lookUp().then(draw);
    }
    if (answer.code === "needs_confirmation") {
      page.decrease = answer.data.views_before;
      page.message = null;
    } else {
      page.failed = answer.code;
      page.message = {text: ViewPayWords.apiError(answer.code), tone: "error"};
    }
    draw();
  }

  function send(confirm) {
    page.sending = true;
    page.message = null;
    draw();
    chrome.runtime.sendMessage({type: "send", result: page.result, seenAt: seenAt,
      confirm: confirm}).then(sent);
  }

  function act(action, data) {
    var stale = Date.now() - performance.timeOrigin > STALE_MS;
    if ((action === "send" || action === "confirm") && stale) {
      page.message = {text: t("stalePage"), tone: "error"};
      page.stale = true;
      draw();
    } else if (action === "send") {
      send(null);
    } else if (action === "confirm") {
      var note = data.note.trim();
      if (!note) {
        page.message = {text: t("decreaseReasonMissing"), tone: "error"};
        draw();
        return;
      }
      send({note: note});
    } else if (action === "reload") {
      location.reload();
    } else if (action === "open") {
      location.assign(data.href);
    } else if (action === "options") {
      chrome.runtime.sendMessage({type: "open-options"});
    }
  }

  function check() {
    if (location.href === lastUrl) {
      return;
    }
    lastUrl = location.href;
    var post = ViewPayParse.postOfUrl(location.href);
    if (!post.kind) {
      ViewPayOverlay.remove();
      return;
    }
    page = {result: ViewPayParse.readPage(document, location.href), lookup: null};
    if (post.kind === "login") {
      // Only a sweep cares: it stops at a login wall. An admin logging in needs no badge.
      chrome.runtime.sendMessage({type: "page", result: page.result, seenAt: seenAt});
      return;
    }
    draw();
    lookUp().then(draw);
  }

  check();
  setInterval(check, WATCH_MS);
})();
