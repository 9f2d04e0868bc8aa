// ViewPay's answers and the sweep's reasons in the admin's language (_locales), shared by the
// overlay, the popup and the options page.
var ViewPayWords = (function () {
  "use strict";

  var API_ERRORS = {not_configured: "errNotConfigured", network: "errNetwork",
    missing_token: "errToken", invalid_token: "errToken", token_revoked: "errToken",
    insufficient_scope: "errScope", admin_token_required: "errAdmin", not_found: "errNotFound",
    invalid_views: "errInvalidViews", invalid_likes: "errInvalidViews",
    invalid_note: "errInvalidViews", invalid_observed_at: "errInvalidViews",
    rate_limited: "errRateLimited"};
  var VIDEO_STATUS = {approved: "statusApproved", pending_review: "statusPendingReview",
    checking: "statusChecking", rejected: "statusRejected", not_yours: "statusNotYours",
    not_found: "statusNotFound", check_failed: "statusCheckFailed",
    superseded: "statusSuperseded"};
  // parse.js's reasons and error classes, and the sweep's own.
  var PAGE = {waf: "blockedWaf", captcha: "blockedCaptcha", login: "blockedLogin",
    no_blob: "blockedNoData", age_gated: "blockedAgeGated", mismatch: "mismatch",
    photo: "photoPage", Unavailable: "pageUnavailable", Private: "pagePrivate",
    NotFound: "pageNotFound", RegionBlocked: "pageRegion", rounded: "skipRounded",
    timeout: "skipTimeout", decrease: "skipDecrease"};

  function t(key, substitutions) {
    return chrome.i18n.getMessage(key, substitutions) || key;
  }

  function apiError(code) {
    return API_ERRORS[code] ? t(API_ERRORS[code]) : t("errOther", [String(code)]);
  }

  return {
    t: t,
    apiError: apiError,
    // The token or address is wrong: the options page is where to fix it.
    isSetupError: function (code) {
      var setup = ["errNotConfigured", "errToken", "errScope", "errAdmin"];
      return setup.indexOf(API_ERRORS[code]) !== -1;
    },
    videoStatus: function (status) {
      return VIDEO_STATUS[status] ? t(VIDEO_STATUS[status]) : t("statusOther", [String(status)]);
    },
    // A page reading that came to nothing (parse.js: its reason, else its error class).
    page: function (result) {
      var key = PAGE[result.reason] || PAGE[result.error];
      return key ? t(key) : t("pageGarbled", [String(result.detail)]);
    },
    // Why the sweep skipped a video.
    skipped: function (why) {
      return PAGE[why] ? t(PAGE[why]) : apiError(why);
    },
    // Written the way the catalog in use writes them (the page's own language may differ).
    number: function (n) {
      return new Intl.NumberFormat(t("numberLocale")).format(n);
    }
  };
})();
