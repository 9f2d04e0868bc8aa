// The badge drawn over a TikTok video page: a card in a shadow root (TikTok's styles cannot
// reach it, its styles cannot leak), redrawn whole from a plain view object on every change.
var ViewPayOverlay = (function () {
  "use strict";

  var CSS = [
    ":host { all: initial; }",
    ".card { position: fixed; right: 12px; bottom: 12px; z-index: 2147483647;",
    "  box-sizing: border-box;",
    "  width: min(320px, calc(100vw - 24px)); padding: 12px 14px; border-radius: 10px;",
    "  background: #fff; color: #1d1d1f; box-shadow: 0 4px 18px rgba(0,0,0,.28);",
    "  font: 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }",
    ".top { display: flex; align-items: center; justify-content: space-between; gap: 8px; }",
    ".brand { font-weight: 700; }",
    ".count { font-size: 22px; font-weight: 700; margin: 4px 0 0; }",
    "p { margin: 4px 0; }",
    ".muted { color: #6e6e73; font-size: 13px; }",
    ".ok { color: #0a7d32; } .warn { color: #8a4b00; } .error { color: #c62828; }",
    "button, a.button { box-sizing: border-box; display: inline-flex; align-items: center;",
    "  justify-content: center; min-height: 44px; min-width: 44px; padding: 8px 14px;",
    "  margin: 8px 8px 0 0;",
    "  border-radius: 7px; border: 1px solid #c7c7cc; background: #fff; color: #1d1d1f;",
    "  font: inherit; cursor: pointer; text-decoration: none; }",
    "button.primary { background: #0a7d32; border-color: #0a7d32; color: #fff; }",
    "button:disabled { opacity: .7; cursor: progress; }",
    "button.close { margin: 0; padding: 0; border: none; font-size: 22px; line-height: 1; }",
    "label { display: block; font-weight: 600; margin-top: 8px; }",
    "textarea { box-sizing: border-box; width: 100%; min-height: 60px; margin-top: 4px;",
    "  padding: 8px;",
    "  font: inherit; border: 1px solid #c7c7cc; border-radius: 6px; }"
  ].join("\n");

  var host = null;
  var root = null;

  var t = ViewPayWords.t;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function mount() {
    if (host && host.isConnected) {
      return;
    }
    host = el("div", {id: "viewpay-overlay"});
    root = host.attachShadow({mode: "open"});
    // A constructed sheet is CSSOM, not an inline <style>: TikTok's CSP has no say in it.
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    document.documentElement.appendChild(host);
  }

  function remove() {
    if (host) {
      host.remove();
      host = null;
    }
  }

  function button(spec, onAction, card) {
    var node = el("button", {type: "button", "data-vp-action": spec.action,
      "class": spec.primary ? "primary" : ""}, spec.label);
    node.disabled = Boolean(spec.disabled);
    node.addEventListener("click", function () {
      var note = card.querySelector("textarea");
      onAction(spec.action, {note: note ? note.value : "", href: spec.href});
    });
    return node;
  }

  // view: {count, countClass, note, author, viewpay, message: {text, tone}, decrease: {ask},
  //        buttons: [{label, action, primary, disabled, href}]}
  function render(view, onAction) {
    mount();
    var card = el("section", {"class": "card", role: "region", "aria-label": "ViewPay", lang:
      t("numberLocale")});
    var top = el("div", {"class": "top"});
    top.appendChild(el("span", {"class": "brand"}, "ViewPay"));
    var close = el("button", {type: "button", "class": "close", "aria-label": t("close"),
      "data-vp-action": "close"}, "×");
    close.addEventListener("click", remove);
    top.appendChild(close);
    card.appendChild(top);
    if (view.count) {
      card.appendChild(el("p", {"class": "count", "data-vp": "count"}, view.count));
    }
    [["note", "muted"], ["author", "muted"], ["viewpay", ""]].forEach(function (pair) {
      if (view[pair[0]]) {
        card.appendChild(el("p", {"class": pair[1], "data-vp": pair[0]}, view[pair[0]]));
      }
    });
    var live = el("p", {role: "status", "aria-live": "polite", "data-vp": "message",
      "class": view.message ? view.message.tone : ""}, view.message ? view.message.text : "");
    card.appendChild(live);
    if (view.decrease) {
      card.appendChild(el("p", {"class": "warn", "data-vp": "decrease"}, view.decrease.ask));
      card.appendChild(el("label", {"for": "vp-reason"}, t("decreaseReason")));
      card.appendChild(el("textarea", {id: "vp-reason", maxlength: "300"}));
    }
    (view.buttons || []).forEach(function (spec) {
      card.appendChild(button(spec, onAction, card));
    });
    root.replaceChildren(card);
  }

  return {render: render, remove: remove};
})();
