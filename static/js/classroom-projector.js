// The projector view: the class's answer distribution per question, refreshed every few
// seconds. No nickname is ever in the data.
const INTERVAL_MS = 4000;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(container, questions, labels) {
  if (!questions.length) {
    container.replaceChildren(element("p", "", labels.empty));
    return;
  }
  const sections = questions.map((question) => {
    const section = element("section", "projector-question");
    section.append(element("h2", "", `${labels.question} ${question.number}：${question.text}`));
    section.append(element("p", "projector-question__answered", `${question.answered}${labels.answered}`));
    const list = element("ul", "projector-choices");
    for (const choice of question.choices) {
      const item = element("li", choice.correct ? "projector-choice projector-choice--correct" : "projector-choice");
      item.append(element("span", "projector-choice__text", (choice.correct ? "✓ " : "") + choice.text));
      const bar = element("progress");
      bar.max = 100;
      bar.value = choice.percent;
      bar.setAttribute("aria-hidden", "true");
      item.append(bar, element("span", "projector-choice__count", `${choice.count}${labels.people}（${choice.percent}%）`));
      list.append(item);
    }
    section.append(list);
    return section;
  });
  container.replaceChildren(...sections);
}

function start(root) {
  const template = root.querySelector("[data-projector-labels]");
  const labels = { ...template.dataset };
  const container = root.querySelector("[data-projector-questions]");
  let last = "";
  async function poll() {
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        const signature = JSON.stringify(data.questions);
        if (signature !== last) {
          render(container, data.questions, labels);
          last = signature;
        }
      }
    } catch (error) {
      /* keep the last figures on screen */
    }
    window.setTimeout(poll, INTERVAL_MS);
  }
  window.setTimeout(poll, INTERVAL_MS);
}

document.querySelectorAll("[data-projector]").forEach(start);
