// The bulk-download status page: polls the job's progress JSON until the zip is ready, updating the
// label (an aria-live region), the progress bar and the download link in place.
const INTERVAL_MS = 1000;

function label(root, data) {
  if (data.status === "running") {
    return root.dataset.labelRunning
      .replace("{done}", String(data.done))
      .replace("{total}", String(data.total))
      .replace("{percent}", String(data.percent));
  }
  return root.dataset[`label${data.status.charAt(0).toUpperCase()}${data.status.slice(1)}`] || "";
}

function render(root, data) {
  const text = label(root, data);
  const target = root.querySelector("[data-bulk-label]");
  if (text && target.textContent.trim() !== text) target.textContent = text;
  const bar = root.querySelector("[data-bulk-bar]");
  bar.value = data.percent;
  bar.textContent = `${data.percent}%`;
  const link = root.querySelector("[data-bulk-download-link]");
  if (data.download_url) {
    link.querySelector("a").href = data.download_url;
    link.hidden = false;
  }
  const error = root.querySelector("[data-bulk-error]");
  if (data.error) {
    error.textContent = data.error;
    error.hidden = false;
  }
}

async function poll(root) {
  try {
    const response = await fetch(root.dataset.progressUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) {
      const data = await response.json();
      render(root, data);
      root.dataset.status = data.status;
    }
  } catch {
    // a dropped connection: try again on the next tick
  }
  if (root.dataset.status === "queued" || root.dataset.status === "running") {
    window.setTimeout(() => poll(root), INTERVAL_MS);
  }
}

for (const root of document.querySelectorAll("[data-bulk-download]")) {
  if (root.dataset.status === "queued" || root.dataset.status === "running") {
    window.setTimeout(() => poll(root), INTERVAL_MS);
  }
}
