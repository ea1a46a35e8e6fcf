// H5P activities on a lesson page: talks to the sandboxed player iframe(s) with postMessage.
// Messages are accepted only from the iframe's own window, from the player origin (a sandboxed
// frame reports the opaque origin "null"), and only in the expected shapes. Statements and state
// are POSTed to our API with the CSRF token; the learner's saved state is fetched and handed to
// the player for resume. Guests can play; nothing is recorded for them.
const API = "/api/v1/h5p";
const MAX_MESSAGE = 64 * 1024;

function csrfToken() {
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  if (input && input.value) { return input.value; }
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function post(path, body) {
  const response = await fetch(`${API}/${path}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = {}; }
  return { ok: response.ok, status: response.status, data };
}

function setup(section) {
  if (section.dataset.h5pReady) { return; }
  section.dataset.h5pReady = "1";
  const frame = section.querySelector("iframe");
  const status = section.querySelector("[data-h5p-status]");
  const activity = section.dataset.h5pActivity;
  const lesson = parseInt(section.dataset.h5pLesson, 10);
  const origin = section.dataset.h5pOrigin;
  let signedIn = null; // unknown until the state request answers
  let fetched = null; // the saved state, fetched once
  let stateTimer = null;
  let pendingState = null;

  function say(text) { if (status) { status.textContent = text; } }

  function init() {
    if (!fetched) { fetched = fetchState(); }
    // A sandboxed frame has an opaque origin: "*" is the only target that reaches it.
    fetched.then((state) => {
      frame.contentWindow.postMessage({ source: "tsunagari-lesson", type: "init", state }, "*");
    });
  }

  async function fetchState() {
    let state = null;
    try {
      const response = await fetch(`${API}/state?activity=${encodeURIComponent(activity)}&lesson=${lesson}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      signedIn = response.ok && data.recording === true;
      if (signedIn) {
        state = typeof data.state === "string" ? data.state : null;
        if (state) { say(section.dataset.msgResume); }
      } else if (data && data.detail) {
        say(data.detail);
      }
    } catch (e) {
      signedIn = false;
    }
    return state;
  }

  function saveStateSoon(state) {
    pendingState = state;
    if (stateTimer) { return; }
    stateTimer = window.setTimeout(async () => {
      stateTimer = null;
      const body = { activity, lesson, state: pendingState };
      await post("state", body).catch(() => null);
    }, 800);
  }

  async function record(statement) {
    const result = await post("xapi", { activity, lesson, statement }).catch(() => null);
    if (!result) { say(section.dataset.msgNetwork); return; }
    if (result.ok) {
      if (result.data.completed || result.data.lesson_done) { say(result.data.message || ""); }
      if (result.data.lesson_done) { section.dispatchEvent(new CustomEvent("h5p:lesson-done", { bubbles: true })); }
    } else if (result.data && result.data.detail) {
      say(result.data.detail);
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) { return; }
    if (event.origin !== "null" && event.origin !== origin) { return; }
    const data = event.data;
    if (!data || typeof data !== "object" || data.source !== "tsunagari-h5p" || data.activity !== activity) { return; }
    switch (data.type) {
      case "ready":
        init();
        break;
      case "resize":
        if (Number.isFinite(data.height) && data.height > 50 && data.height < 20000) {
          frame.style.height = `${Math.ceil(data.height)}px`;
        }
        break;
      case "xapi":
        if (signedIn && data.statement && typeof data.statement === "object"
            && JSON.stringify(data.statement).length < MAX_MESSAGE) {
          record(data.statement);
        }
        break;
      case "state":
        if (signedIn && typeof data.state === "string" && data.state.length < MAX_MESSAGE) {
          saveStateSoon(data.state);
        }
        break;
      case "failed":
        say(section.dataset.msgFailed);
        break;
      default:
        break;
    }
  });
}

document.querySelectorAll("[data-h5p-activity]").forEach(setup);
document.addEventListener("h5p:lesson-done", () => {
  const done = document.querySelector("[data-h5p-lesson-done]");
  if (done) { done.hidden = false; }
});
