// A lesson page is the same for every reader (and may come from a shared cache). This fills in
// the reader's own parts — progress, the finish button, the course status, the lesson list's
// states, account links and messages — from the lesson's state view. Without JavaScript, the
// link in the finish box opens that view as a page.
(function () {
  "use strict";
  function fill(parts, token) {
    Object.keys(parts).forEach(function (name) {
      document.querySelectorAll('[data-personal="' + name + '"]').forEach(function (slot) {
        var template = document.createElement("template");
        template.innerHTML = parts[name];
        var replacement = template.content.querySelector('[data-personal="' + name + '"]');
        if (replacement) {
          slot.replaceWith(replacement);
        } else {
          slot.replaceChildren(template.content);
        }
      });
    });
    // The parts come without their CSRF token (so that they can be cached); this response's goes in.
    document.querySelectorAll('[data-personal] input[name="csrfmiddlewaretoken"]').forEach(function (input) {
      input.value = token;
    });
    document.documentElement.classList.add("lesson-state-ready");
    document.dispatchEvent(new CustomEvent("lesson-state:ready"));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.querySelector("[data-lesson-state]");
    if (!holder || !window.fetch) { return; }
    fetch(holder.getAttribute("data-lesson-state"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) { fill(data.parts, data.csrf_token); }).catch(function () {
      // Keep the link to the state page: it works without this script.
    });
  });
})();
