// The options page: ViewPay's address, the admin's write token and the sweep's pace, kept in
// chrome.storage.local (this browser only, never synced). Saving asks the browser for access
// to that one address, then checks the token with ViewPay.
(function () {
  "use strict";

  var t = ViewPayWords.t;
  var form = document.getElementById("options");
  var inputs = {viewpayUrl: document.getElementById("viewpay-url"),
    token: document.getElementById("token"), paceSeconds: document.getElementById("pace")};
  var result = document.getElementById("result");
  var LOCAL = ["localhost", "127.0.0.1"];

  function say(text, tone) {
    result.textContent = text;
    result.className = tone;
  }

  function invalid(input, key) {
    input.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    say(t(key), "error");
    return null;
  }

  // The form's values, cleaned, or null after saying what is wrong.
  function read() {
    Object.keys(inputs).forEach(function (name) {
      inputs[name].classList.remove("invalid");
      inputs[name].setAttribute("aria-invalid", "false");
    });
    var url;
    try {
      url = new URL(inputs.viewpayUrl.value.trim());
    } catch (e) {
      return invalid(inputs.viewpayUrl, "optBadUrl");
    }
    var local = LOCAL.indexOf(url.hostname) !== -1;
    if (!(url.protocol === "https:" || (url.protocol === "http:" && local))) {
      return invalid(inputs.viewpayUrl, "optBadUrl");
    }
    var token = inputs.token.value.trim();
    if (!token) {
      return invalid(inputs.token, "optBadToken");
    }
    var pace = inputs.paceSeconds.value.trim();
    if (!/^[0-9]{1,3}$/.test(pace) || Number(pace) < 2 || Number(pace) > 600) {
      return invalid(inputs.paceSeconds, "optBadPace");
    }
    return {values: {viewpayUrl: url.origin + url.pathname.replace(/\/+$/, ""), token: token,
      paceSeconds: Number(pace)}, origin: url.protocol + "//" + url.hostname + "/*"};
  }

  // An empty observation goes through the token checks (scope, admin) and is refused only for
  // its body (422): nothing is recorded, and a read-only or non-admin token shows itself.
  function check() {
    return ViewPay.observe({}).then(function (answer) {
      if (answer.status === 422) {
        say(t("optSaved"), "ok");
      } else {
        say(t("optSavedUnchecked", [ViewPayWords.apiError(answer.code)]), "error");
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = read();
    if (!wanted) {
      return;
    }
    // Asked at once, inside the click: browsers only show the prompt for a user's gesture.
    chrome.permissions.request({origins: [wanted.origin]}).then(function (granted) {
      if (!granted) {
        say(t("optDenied"), "error");
        return null;
      }
      return chrome.storage.local.set(wanted.values).then(check);
    }, function () {
      say(t("optDenied"), "error");
    });
  });

  chrome.storage.local.get(Object.keys(inputs)).then(function (stored) {
    inputs.viewpayUrl.value = stored.viewpayUrl || "";
    inputs.token.value = stored.token || "";
    inputs.paceSeconds.value = stored.paceSeconds || VIEWPAY_CONFIG.defaultPaceSeconds;
  });
})();
