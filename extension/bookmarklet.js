// The bookmarklet: the extension's one-video reading for browsers without the extension.
// webapp/admin/extension_help.py builds it per admin: parse.js, then this file, inside one
// function, with OBSERVE (ViewPay's confirm page) and WORDS (messages in the admin's language)
// filled in. It reads the page exactly as the extension does, then opens ViewPay's confirm
// page, where the admin's own session and a CSRF token save the count: the bookmarklet holds
// no token and calls nothing across origins.
var result = ViewPayParse.readPage(document, location.href);
if (!result.ok) {
  alert(WORDS[result.reason] || WORDS[result.error] || WORDS.garbled);
} else if (!result.exact) {
  alert(WORDS.rounded);
} else {
  var query = "video_id=" + result.videoId + "&views=" + result.views;
  if (result.likes !== null) {
    query += "&likes=" + result.likes;
  }
  // The page's data is as of its load.
  query += "&seen=" + encodeURIComponent(new Date(performance.timeOrigin).toISOString());
  window.open(OBSERVE + "?" + query, "_blank", "noopener");
}
