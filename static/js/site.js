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

// Furigana toggle: shown only where the page has ruby. The course sets the default
// (on for the children's version); the reader's choice is remembered.
(function () {
  "use strict";
  var KEY = "tsunagari-ruby";
  var root = document.documentElement;
  function stored() { try { return window.localStorage.getItem(KEY); } catch (e) { return null; } }
  function store(value) { try { window.localStorage.setItem(KEY, value); } catch (e) { /* ignore */ } }
  function apply(on) {
    root.classList.toggle("ruby-off", !on);
    document.querySelectorAll("[data-ruby-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }
  var preference = stored();
  var initial = preference ? preference === "on" : !root.classList.contains("ruby-default-off");
  apply(initial);
  document.addEventListener("DOMContentLoaded", function () {
    apply(initial);
    if (!document.querySelector("ruby")) { return; }
    document.querySelectorAll("[data-ruby-toggle]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var on = root.classList.contains("ruby-off");
        store(on ? "on" : "off");
        apply(on);
      });
    });
  });
})();
