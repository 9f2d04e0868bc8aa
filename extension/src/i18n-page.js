// Fill an extension page's texts from _locales (the browser's language picks the catalog).
document.documentElement.lang = chrome.i18n.getMessage("numberLocale");
document.querySelectorAll("[data-i18n]").forEach(function (node) {
  node.textContent = chrome.i18n.getMessage(node.getAttribute("data-i18n"));
});
