// ViewPay's reading of a TikTok video page, in the browser: the page's own rehydration JSON,
// read by the same rules as the server's parser (webapp/tiktok/pagedata.py and page.py), so an
// admin's browser and ViewPay's workers agree on what a page says. tests/test_extension_parser.py
// runs this file in chromium against the server parser's fixture pages and compares the two.
//
// Every answer is a plain object:
//   {ok: true, videoId, views, likes, comments, shares, exact, authorId, authorHandle, createTime,
//    layout}
//   {ok: false, error, reason, detail, statusCode?, videoUrl?}
// where `error` is the name of the server's error class for the same page (Blocked, Garbled,
// PhotoPage, NotFound, Private, RegionBlocked, Unavailable) and `reason` says which case it is
// (waf, captcha, login, no_blob, age_gated, mismatch, profile, photo, status, data).
//
// Comments stay on lines of their own: the bookmarklet is built from this file by dropping
// such lines (webapp/admin/extension_help.py).
var ViewPayParse = (function () {
  "use strict";

  var UNIVERSAL = "__UNIVERSAL_DATA_FOR_REHYDRATION__";
  var BLOB_IDS = [UNIVERSAL, "SIGI_STATE", "sigi-persisted-data", "__NEXT_DATA__"];
  // yt-dlp's challenge solver reads these elements (the server's WAF rule).
  var WAF_IDS = ["cs", "wci"];
  // TikTok's in-page CAPTCHA, drawn over a page that may still carry data: a browser that
  // shows one is being challenged, so nothing it reads then is sent. The class names are the
  // ones public CAPTCHA solvers wait for (UNCONFIRMED by TikTok); the server never sees these.
  var CAPTCHA_SELECTOR = ".captcha-verify-container, .captcha_verify_container, " +
    ".secsdk-captcha-wrapper, #captcha_container";
  var INT64_MAX = 9223372036854775807n;
  var MAX_JSON_DEPTH = 200;
  var DIGITS = /^[0-9]{1,19}$/;
  var POST_PATH = /\/(?:photo|video)\/[0-9]+\/?$/;
  var PAGE_PATH = /^\/@[^/]*\/(video|photo)\/([0-9]{1,20})\/?$/;
  var LOGIN_PATH = /^\/login(?:\/|$)/;
  // statusCode -> [error, why]; 10204 is refined by statusMsg (see statusError).
  var STATUS = {
    10204: ["Unavailable", "not available (maybe deleted or private)"],
    10216: ["Private", "private post"],
    10217: ["NotFound", "deleted"],
    10221: ["NotFound", "user not found"],
    10222: ["Private", "private account"],
    10231: ["RegionBlocked", "region-locked"]
  };

  function PageError(error, reason, detail, extra) {
    this.error = error;
    this.reason = reason;
    this.detail = detail;
    this.extra = extra || {};
  }

  function garbled(detail, reason) {
    return new PageError("Garbled", reason || "data", detail);
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  // Python's dict.get: a missing key gives the default; never an inherited property.
  function get(object, key, fallback) {
    if (has(object, key)) {
      return object[key];
    }
    return fallback === undefined ? null : fallback;
  }

  // Python's truthiness, for the server's `x or {}` and `a and not b`.
  function truthy(value) {
    if (value === null || value === undefined || value === false) {
      return false;
    }
    if (typeof value === "number" || typeof value === "bigint") {
      return value != 0;
    }
    if (typeof value === "string" || Array.isArray(value)) {
      return value.length > 0;
    }
    if (typeof value === "object") {
      return Object.keys(value).length > 0;
    }
    return true;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function obj(value, where) {
    if (!isObject(value)) {
      throw garbled(where + " is not an object");
    }
    return value;
  }

  function dig(data) {
    var where = "page data";
    for (var i = 1; i < arguments.length; i++) {
      if (data === null) {
        return null;
      }
      data = get(obj(data, where), arguments[i]);
      where = arguments[i];
    }
    return data;
  }

  // JSON integers become BigInt (ids exceed 2^53; Python reads them exactly), anything with a
  // fraction or exponent stays a Number, which the readers below refuse as Python's do.
  function reviver(key, value, context) {
    if (typeof value !== "number") {
      return value;
    }
    if (context && typeof context.source === "string") {
      return /[.eE]/.test(context.source) ? value : BigInt(context.source);
    }
    return Number.isInteger(value) ? BigInt(value) : value;
  }

  function tooDeep(raw) {
    var depth = 0;
    for (var i = 0; i < raw.length; i++) {
      var c = raw.charCodeAt(i);
      if (c === 91 || c === 123) {
        depth += 1;
        if (depth > MAX_JSON_DEPTH) {
          return true;
        }
      } else if (c === 93 || c === 125) {
        depth -= 1;
      }
    }
    return false;
  }

  function jsonObject(raw, where) {
    if (tooDeep(raw)) {
      throw garbled(where + ": JSON nested deeper than " + MAX_JSON_DEPTH + " levels");
    }
    var data;
    try {
      data = JSON.parse(raw, reviver);
    } catch (e) {
      throw garbled(where + ": invalid JSON");
    }
    return obj(data, where);
  }

  // A count as a BigInt: a digit string or a JSON integer from 0 to int64's maximum.
  function count(value, where) {
    if (value === null) {
      return null;
    }
    var n = null;
    if (typeof value === "string" && DIGITS.test(value)) {
      n = BigInt(value);
    } else if (typeof value === "bigint") {
      n = value;
    }
    if (n === null || n < 0n || n > INT64_MAX) {
      throw garbled(where + " is not a non-negative int64");
    }
    return n;
  }

  function idOf(value, where) {
    if (value === null || value === "") {
      return null;
    }
    count(value, where);
    // A string id is kept verbatim (no "007" -> "7").
    return typeof value === "string" ? value : value.toString();
  }

  function string(value, where) {
    if (value !== null && typeof value !== "string") {
      throw garbled(where + " is not a string");
    }
    return value;
  }

  function handleOf(value, where) {
    var text = (string(value, where) || "").replace(/^@+/, "");
    return text || null;
  }

  function statusCode(detail) {
    var code = get(detail, "statusCode", 0n);
    if (typeof code === "string" && DIGITS.test(code)) {
      code = BigInt(code);
    }
    if (code === null) {
      return 0;
    }
    if (typeof code !== "bigint") {
      throw garbled("statusCode is not a number");
    }
    return Number(code);
  }

  function statusError(code, msg) {
    var known = STATUS[code] || ["Unavailable", "not available now"];
    var error = known[0];
    var why = known[1];
    if (code === 10204 && msg.indexOf("cross_border_violation") !== -1) {
      error = "RegionBlocked";
      why = "withheld in the requesting region";
    } else if (code === 10204 && msg.indexOf("status_reviewing") !== -1) {
      why = "under review";
    }
    var detail = why + ": statusCode " + code + (msg ? " (" + msg + ")" : "");
    return new PageError(error, "status", detail, {statusCode: code});
  }

  function checkStatus(detail) {
    var code = statusCode(detail);
    if (code) {
      var msg = get(detail, "statusMsg");
      throw statusError(code, typeof msg === "string" ? msg : "");
    }
  }

  // urlsplit(url).path: what is left once the scheme, host, query and fragment are gone.
  function pathOf(url) {
    return url.replace(/[?#][\s\S]*$/, "").replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "");
  }

  function layout(blob) {
    if (has(blob, "__DEFAULT_SCOPE__")) {
      return ["universal", obj(blob.__DEFAULT_SCOPE__, "__DEFAULT_SCOPE__")];
    }
    if (has(blob, "webapp.video-detail") || has(blob, "webapp.user-detail")) {
      return ["universal", blob];
    }
    if (has(blob, "ItemModule") || has(blob, "VideoPage")) {
      return ["sigi", blob];
    }
    if (has(blob, "props")) {
      return ["next", blob];
    }
    throw garbled("unknown page data layout");
  }

  function notAVideoPage(scope) {
    if (has(scope, "webapp.user-detail")) {
      throw garbled("a profile page, not a video page", "profile");
    }
    var canonical = dig(scope, "seo.abtest", "canonical");
    if (typeof canonical === "string" && POST_PATH.test(pathOf(canonical))) {
      throw new PageError("PhotoPage", "photo", "photo page (" + canonical + ")",
        {videoUrl: canonical.replace("/photo/", "/video/")});
    }
    throw garbled("no webapp.video-detail in the page data", "not_video");
  }

  function videoItem(kind, root, videoId) {
    var item;
    if (kind === "universal") {
      if (!has(root, "webapp.video-detail")) {
        notAVideoPage(root);
      }
      var detail = obj(root["webapp.video-detail"], "webapp.video-detail");
      checkStatus(detail);
      item = dig(detail, "itemInfo", "itemStruct");
    } else if (kind === "sigi") {
      checkStatus(obj(get(root, "VideoPage", {}), "VideoPage"));
      var items = obj(get(root, "ItemModule", {}), "ItemModule");
      item = get(items, videoId);
    } else {
      var props = dig(root, "props", "pageProps");
      props = obj(truthy(props) ? props : {}, "props.pageProps");
      checkStatus(props);
      item = dig(props, "itemInfo", "itemStruct");
    }
    if (item === null) {
      throw garbled("statusCode 0 but no itemStruct");
    }
    return obj(item, "itemStruct");
  }

  function owner(item) {
    var fallbackId = idOf(get(item, "authorId"), "authorId");
    var keys = ["author", "authorInfo"];
    for (var i = 0; i < keys.length; i++) {
      var author = get(item, keys[i]);
      if (isObject(author)) {
        return [idOf(get(author, "id"), keys[i] + ".id") || fallbackId,
          handleOf(get(author, "uniqueId"), keys[i] + ".uniqueId")];
      }
    }
    return [fallbackId, handleOf(get(item, "author"), "author")];
  }

  // A count the browser can hold and send exactly (JSON numbers are doubles).
  function safe(n) {
    if (n === null) {
      return null;
    }
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw garbled("a count too large to send");
    }
    return Number(n);
  }

  function stats(item, videoId, kind) {
    var itemId = idOf(get(item, "id"), "itemStruct.id");
    if (itemId === null || itemId !== videoId) {
      throw garbled("page item " + itemId + " is not the video in the address " + videoId,
        "mismatch");
    }
    if (truthy(get(item, "isContentClassified")) && !truthy(get(item, "video"))) {
      throw new PageError("Blocked", "age_gated", "age-gated post: needs a logged-in session");
    }
    // statsV2 (strings) is exact; stats (ints) is rounded for display.
    var v2 = get(item, "statsV2");
    v2 = obj(truthy(v2) ? v2 : {}, "statsV2");
    var exact = has(v2, "playCount");
    var source = v2;
    if (!exact) {
      source = get(item, "stats");
      source = obj(truthy(source) ? source : {}, "stats");
    }
    var name = exact ? "statsV2" : "stats";
    var views = count(get(source, "playCount"), name + ".playCount");
    var likes = count(get(source, "diggCount"), name + ".diggCount");
    var comments = count(get(source, "commentCount"), name + ".commentCount");
    var shares = count(get(source, "shareCount"), name + ".shareCount");
    if (views === null) {
      throw garbled("no playCount in statsV2 or stats");
    }
    var who = owner(item);
    var created = count(get(item, "createTime"), "createTime");
    string(get(item, "desc"), "desc");
    return {ok: true, videoId: itemId, views: safe(views), likes: safe(likes),
      comments: safe(comments), shares: safe(shares), exact: exact, authorId: who[0],
      authorHandle: who[1], createTime: safe(created), layout: kind};
  }

  // Where a page address points: {kind: "video"|"photo"|"login"|null, videoId}.
  function postOfUrl(url) {
    var path = pathOf(String(url));
    if (LOGIN_PATH.test(path)) {
      return {kind: "login", videoId: null};
    }
    var match = PAGE_PATH.exec(path);
    return match ? {kind: match[1], videoId: match[2]} : {kind: null, videoId: null};
  }

  function blobsOf(doc) {
    var found = {};
    var scripts = doc.getElementsByTagName("script");
    for (var i = 0; i < scripts.length; i++) {
      var id = scripts[i].getAttribute("id");
      if (id !== null && BLOB_IDS.indexOf(id) !== -1 && !has(found, id)) {
        found[id] = scripts[i].textContent;
      }
    }
    return found;
  }

  function readData(doc, rawText) {
    var blobs = blobsOf(doc);
    for (var i = 0; i < BLOB_IDS.length; i++) {
      if (has(blobs, BLOB_IDS[i])) {
        return layout(jsonObject(blobs[BLOB_IDS[i]], BLOB_IDS[i]));
      }
    }
    var waf = WAF_IDS.some(function (id) { return doc.getElementById(id) !== null; });
    var text = rawText !== undefined ? rawText : doc.documentElement.outerHTML;
    if (waf || text.indexOf("_wafchallengeid") !== -1) {
      throw new PageError("Blocked", "waf", "WAF challenge page");
    }
    throw new PageError("Blocked", "no_blob", "no data blob in the page");
  }

  function answer(read) {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof PageError)) {
        throw e;
      }
      var result = {ok: false, error: e.error, reason: e.reason, detail: e.detail};
      Object.keys(e.extra).forEach(function (key) { result[key] = e.extra[key]; });
      return result;
    }
  }

  function read(url, data) {
    var post = postOfUrl(url);
    if (post.kind === "login") {
      throw new PageError("Blocked", "login", "TikTok asks to log in");
    }
    if (!post.videoId) {
      throw garbled("not a video page address", "not_video");
    }
    var found = data();
    return stats(videoItem(found[0], found[1], post.videoId), post.videoId, found[0]);
  }

  // The page open in this tab (content script, bookmarklet).
  function readPage(doc, url) {
    return answer(function () {
      return read(url, function () {
        if (doc.querySelector(CAPTCHA_SELECTOR) !== null) {
          throw new PageError("Blocked", "captcha", "TikTok shows a CAPTCHA");
        }
        return readData(doc);
      });
    });
  }

  // A page's saved HTML (or its saved JSON blob) as if it were open at `url`.
  function readHtml(text, url) {
    return answer(function () {
      return read(url, function () {
        if (/^\s*\{/.test(text)) {
          return layout(jsonObject(text, "saved JSON"));
        }
        var doc = new DOMParser().parseFromString(text, "text/html");
        return readData(doc, text);
      });
    });
  }

  return {readPage: readPage, readHtml: readHtml, postOfUrl: postOfUrl};
})();
