// Runs on the H5P player origin, inside <iframe sandbox="allow-scripts"> on the lesson page.
// Waits for the lesson page to say "init" (with the learner's saved state, if any), starts
// h5p-standalone, and relays xAPI statements, state and its height to the page with postMessage.
// Only messages from the parent window on the site's origin are accepted.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("h5p-config").textContent);
  var siteOrigin = config.siteOrigin;
  var started = false;
  var lastState = null;
  var lastHeight = 0;

  function send(message) {
    message.source = "tsunagari-h5p";
    message.activity = config.activity;
    window.parent.postMessage(message, siteOrigin);
  }

  function showError(text) {
    var box = document.getElementById("h5p-player-error");
    box.textContent = text;
    box.hidden = false;
  }

  function instance() {
    var list = window.H5P && window.H5P.instances;
    return list && list.length ? list[0] : null;
  }

  function relayState() {
    var current = instance();
    if (!current || typeof current.getCurrentState !== "function") { return; }
    var state;
    try { state = JSON.stringify(current.getCurrentState()); } catch (e) { return; }
    if (state && state !== "null" && state !== lastState) {
      lastState = state;
      send({ type: "state", state: state });
    }
  }

  function relayHeight() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (Math.abs(height - lastHeight) > 2) {
      lastHeight = height;
      send({ type: "resize", height: height });
    }
  }

  function start(state) {
    var options = {
      id: config.activity,
      h5pJsonPath: config.base,
      contentJsonPath: config.base + "/content",
      librariesPath: config.base + "/libraries",
      frameJs: config.assets + "/frame.bundle.js",
      frameCss: config.assets + "/styles/h5p.css",
      embedType: "div",
      frame: false,
      copyright: false,
      export: false,
      icon: false,
      fullScreen: false,
      saveFreq: 30,
      xAPIObjectIRI: config.objectIri
    };
    if (typeof state === "string" && state) {
      lastState = state;
      options.contentUserData = [{ state: state }];
    }
    var element = document.getElementById("h5p-container");
    new window.H5PStandalone.H5P(element, options).then(function () {
      window.H5P.externalDispatcher.on("xAPI", function (event) {
        var statement = event && event.data && event.data.statement;
        if (statement) { send({ type: "xapi", statement: JSON.parse(JSON.stringify(statement)) }); }
        relayState();
      });
      window.setInterval(function () { relayState(); relayHeight(); }, 2000);
      relayHeight();
      send({ type: "started" });
    }).catch(function (error) {
      if (window.console) { window.console.error("H5P player:", error); }
      showError("この教材を読み込めませんでした。ページを読み込み直してください。");
      send({ type: "failed" });
    });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== siteOrigin) { return; }
    var data = event.data;
    if (!data || typeof data !== "object" || data.source !== "tsunagari-lesson" || data.type !== "init") { return; }
    if (started) { return; }
    started = true;
    start(typeof data.state === "string" ? data.state : null);
  });
  if ("ResizeObserver" in window) {
    new window.ResizeObserver(relayHeight).observe(document.documentElement);
  }
  // The page's script may not be listening yet: say "ready" until it answers.
  var tries = 0;
  (function ready() {
    if (started || tries > 40) { return; }
    tries += 1;
    send({ type: "ready" });
    window.setTimeout(ready, 250);
  })();
})();
