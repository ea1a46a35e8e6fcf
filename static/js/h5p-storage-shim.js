// Loaded first on the player page. The player runs in <iframe sandbox="allow-scripts"> (an opaque
// origin), where reading window.localStorage throws; H5P core reads it at start-up. Give it an
// in-memory store instead: nothing persists in the frame (resume goes through the lesson page).
(function () {
  "use strict";
  function memoryStorage() {
    var data = {};
    var has = function (key) { return Object.prototype.hasOwnProperty.call(data, key); };
    return {
      getItem: function (key) { return has(String(key)) ? data[String(key)] : null; },
      setItem: function (key, value) { data[String(key)] = String(value); },
      removeItem: function (key) { delete data[String(key)]; },
      clear: function () { data = {}; },
      key: function (index) { return Object.keys(data)[index] || null; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].getItem("probe");
    } catch (e) {
      try { Object.defineProperty(window, name, { value: memoryStorage(), configurable: true }); } catch (e2) { /* leave it */ }
    }
  });
})();
