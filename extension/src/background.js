// The extension's service worker: the only part that talks to ViewPay (content scripts cannot
// reach another origin), and the home of sweep mode. Firefox loads the same files as an event
// page from manifest.json's background.scripts, so importScripts is only used when present.
if (typeof importScripts === "function" && typeof ViewPay === "undefined") {
  importScripts("config.js", "viewpay.js", "sweep.js");
}

// Content scripts and the popup ask; each answer is one plain object.
var HANDLERS = {
  // A content script read its page: the sweep takes its own tabs; other pages get ViewPay's
  // record of the video for the overlay.
  page: function (message, sender) {
    if (sender.tab && Sweep.report(sender.tab.id, message)) {
      return Promise.resolve({sweep: true});
    }
    if (!message.result.ok) {
      return Promise.resolve({sweep: false});
    }
    return ViewPay.video(message.result.videoId).then(function (lookup) {
      return {sweep: false, lookup: lookup};
    });
  },
  send: function (message) {
    return ViewPay.observe(ViewPay.observationOf(message.result, message.seenAt, message.confirm));
  },
  "open-options": function () {
    return chrome.runtime.openOptionsPage().then(function () { return {}; });
  },
  "sweep-start": function (message, sender) {
    return fromExtensionPage(sender) ? Sweep.start() : Promise.reject(new Error("not allowed"));
  },
  "sweep-stop": function (message, sender) {
    return fromExtensionPage(sender) ? Sweep.stop() : Promise.reject(new Error("not allowed"));
  }
};

// The popup (or options page), not a content script running inside a TikTok page.
function fromExtensionPage(sender) {
  return typeof sender.url === "string" && sender.url.indexOf(chrome.runtime.getURL("")) === 0;
}

chrome.runtime.onMessage.addListener(function (message, sender, reply) {
  var handler = message && HANDLERS[message.type];
  if (!handler) {
    return false;
  }
  handler(message, sender).then(reply, function (error) {
    reply({ok: false, code: "internal", detail: String(error)});
  });
  return true;  // the answer comes later
});

Sweep.recover();
