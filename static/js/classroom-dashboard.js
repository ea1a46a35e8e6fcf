// The teacher's live class dashboard: polls the class's JSON every few seconds and updates the
// totals and the table in place (no reload). Nicknames are set as text, never as HTML.
const INTERVAL_MS = 3000;

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (tag === "th") element.scope = "row";
  return element;
}

function removeForm(root, pupil, labels) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = root.dataset.removeUrl.replace(/\/0\/remove\/$/, `/${pupil.id}/remove/`);
  const csrf = document.createElement("input");
  csrf.type = "hidden";
  csrf.name = "csrfmiddlewaretoken";
  csrf.value = root.querySelector("[data-live-csrf]").value;
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "link-button";
  button.textContent = `${pupil.nickname} ${labels.remove}`;
  form.append(csrf, button);
  return form;
}

function render(root, data, labels) {
  for (const [key, value] of Object.entries(data.totals)) {
    const target = root.querySelector(`[data-total="${key}"]`);
    if (target && target.textContent !== String(value)) target.textContent = String(value);
  }
  const body = root.querySelector("[data-live-rows]");
  const canRemove = root.dataset.canRemove === "1" && data.state !== "ended";
  const rows = data.pupils.map((pupil) => {
    const row = document.createElement("tr");
    row.dataset.pupil = String(pupil.id);
    let quiz = pupil.quiz_done ? labels.done : labels.notDone;
    if (pupil.quiz_done && pupil.quiz_score !== null) quiz += `（${Math.round(pupil.quiz_score)}%）`;
    row.append(
      cell("th", pupil.nickname),
      cell("td", pupil.current || "—"),
      cell("td", `${pupil.lessons_done} / ${data.lessons_total}`),
      cell("td", quiz),
      cell("td", pupil.completed ? `✓ ${labels.completed}` : "—"),
    );
    if (canRemove) {
      const actions = document.createElement("td");
      actions.append(removeForm(root, pupil, labels));
      row.append(actions);
    }
    return row;
  });
  if (!rows.length) {
    const row = document.createElement("tr");
    const empty = cell("td", labels.empty);
    empty.colSpan = 6;
    row.append(empty);
    rows.push(row);
  }
  // Keep focus where it is: only replace the rows when something changed.
  const signature = JSON.stringify(data.pupils);
  if (body.dataset.signature !== signature) {
    body.replaceChildren(...rows);
    body.dataset.signature = signature;
  }
}

function start(root) {
  const template = root.querySelector("[data-live-labels]");
  const labels = {
    done: template.dataset.done,
    notDone: template.dataset.notDone,
    completed: template.dataset.completed,
    remove: template.dataset.remove,
    empty: template.dataset.empty,
    updated: template.dataset.updated,
    error: template.dataset.error,
  };
  const status = root.querySelector("[data-live-updated]");
  let timer = null;
  async function poll() {
    try {
      const response = await fetch(root.dataset.liveUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        cache: "no-store",
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      render(root, data, labels);
      root.dataset.liveState = data.state;
      status.textContent = `${labels.updated} ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      status.textContent = labels.error;
    }
    timer = window.setTimeout(poll, document.hidden ? INTERVAL_MS * 5 : INTERVAL_MS);
  }
  timer = window.setTimeout(poll, INTERVAL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      window.clearTimeout(timer);
      poll();
    }
  });
}

document.querySelectorAll("[data-class-live]").forEach(start);
