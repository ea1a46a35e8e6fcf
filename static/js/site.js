// Progressive enhancement for every page. No inline script: the CSP forbids it.
(function () {
  "use strict";
  var KEY = "tsunagari-text-size";
  var root = document.documentElement;

  function applyTextSize(large) {
    root.classList.toggle("text-large", large);
    document.querySelectorAll("[data-text-size-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", large ? "true" : "false");
    });
  }

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  applyTextSize(stored(KEY) === "large");

  document.addEventListener("DOMContentLoaded", function () {
    applyTextSize(stored(KEY) === "large");
    document.querySelectorAll("[data-text-size-toggle]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var large = !root.classList.contains("text-large");
        store(KEY, large ? "large" : "normal");
        applyTextSize(large);
      });
    });
  });
})();
