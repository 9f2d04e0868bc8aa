// ViewPay's JSON API as the extension uses it (service worker only: it holds the host
// permission for ViewPay's address, so no CORS is involved, and it never sends cookies).
// Every call answers {ok, status, code, data}; `code` is the API's error code, or
// "not_configured" / "network" when the call could not be made at all.
var ViewPay = (function () {
  "use strict";

  var SETTINGS = {viewpayUrl: "", token: "", paceSeconds: VIEWPAY_CONFIG.defaultPaceSeconds};

  function settings() {
    return chrome.storage.local.get(Object.keys(SETTINGS)).then(function (stored) {
      return Object.assign({}, SETTINGS, stored);
    });
  }

  function call(method, path, body) {
    return settings().then(function (s) {
      if (!s.viewpayUrl || !s.token) {
        return {ok: false, status: 0, code: "not_configured", data: null};
      }
      var init = {method: method, credentials: "omit", cache: "no-store",
        headers: {"Authorization": "Bearer " + s.token, "Accept": "application/json"}};
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      return fetch(s.viewpayUrl.replace(/\/+$/, "") + path, init).then(function (response) {
        return response.json().catch(function () { return null; }).then(function (data) {
          var code = response.ok ? null
            : (data && data.error && data.error.code) || "http_" + response.status;
          return {ok: response.ok, status: response.status, code: code, data: data};
        });
      }, function () {
        return {ok: false, status: 0, code: "network", data: null};
      });
    });
  }

  // The API's body for a count read from a page (see parse.js) when the page was loaded.
  function observationOf(result, seenAt, confirm) {
    var body = {video_id: result.videoId, views: result.views, observed_at: seenAt};
    if (result.likes !== null) {
      body.likes = result.likes;
    }
    if (confirm) {
      body.confirm_decrease = true;
      body.note = confirm.note;
    }
    return body;
  }

  return {
    settings: settings,
    observationOf: observationOf,
    // ViewPay's record of one video (404 `not_found` when it tracks no such video).
    video: function (videoId) {
      return call("GET", "/api/tiktok/video/" + encodeURIComponent(videoId));
    },
    // Tracked videos whose automatic fetch fails or is blocked, oldest update first.
    needingObservation: function (limit) {
      return call("GET", "/api/videos/needing-observation?limit=" + limit);
    },
    // A count read in this browser, entered under every manual-entry rule on the server.
    observe: function (observation) {
      return call("POST", "/api/observations", observation);
    }
  };
})();
