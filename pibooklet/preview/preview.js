// The preview page: follows the server's Server-Sent Events and shows each new state.
"use strict";

const STAGES = {
  copyfitted: "Copyfitted, as the build lays it out. Not finished or verified: the " +
              "preview is not a deliverable; run pibooklet build for the PDFs.",
};
let shownPages = null;  // the pages_version whose spreads are drawn

function element(tag, attributes = {}, text = "") {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  if (text) made.textContent = text;
  return made;
}

function spreadOf(state, number) {
  return state.spreads.findIndex((spread) => spread.includes(number)) + 1;
}

function showStatus(state) {
  const status = document.getElementById("status");
  status.className = "status " + state.stage + (state.building ? " building" : "");
  status.textContent = state.stage ?
    `${STAGES[state.stage]} ${state.pages.length} pages, ${state.seconds} s after the save.` :
    (state.building ? "Building the first preview…" : "Nothing could be built yet.");
  status.dataset.stage = state.stage;
  status.dataset.version = state.version;
}

function showLines(boxId, linesId, lines) {
  document.getElementById(boxId).hidden = lines.length === 0;
  document.getElementById(linesId).textContent = lines.join("\n");
}

function showContents(state) {
  const list = document.getElementById("contents");
  list.replaceChildren(...state.contents.map((entry) => {
    const item = element("li");
    const link = element("a", {href: `#spread-${spreadOf(state, entry.page)}`});
    link.append(element("span", {class: "title"}, entry.title),
                element("span", {class: "number"}, String(entry.page)));
    item.append(link);
    return item;
  }));
}

function showReport(state) {
  const report = state.report;
  const faults = report.faults || [];
  document.getElementById("report-summary").textContent = report.pages ?
    `${report.pages.length} pages, ${faults.length} fault${faults.length === 1 ? "" : "s"}` : "";
  document.getElementById("faults").replaceChildren(...faults.map((fault) => {
    const item = element("li", {}, `page ${fault.page}: ${fault.message} `);
    item.append(element("code", {}, fault.where));
    return item;
  }));
  document.getElementById("fill").replaceChildren(...(report.pages || []).map((page) => {
    const row = element("tr");
    const full = Math.round(page.fill * 100);
    const bar = element("div", {class: "bar" + (full < 50 ? " thin" : ""),
                                title: `${full}% full`});
    const filled = element("span");
    filled.style.width = `${Math.min(full, 100)}%`;
    bar.append(filled);
    const cell = element("td", {class: "full"});
    cell.append(bar);
    row.append(element("td", {}, String(page.number)), element("td", {}, page.kind), cell);
    return row;
  }));
}

function showSpreads(state) {
  if (state.pages_version === shownPages || !state.pages.length) return;
  shownPages = state.pages_version;
  const pages = new Map(state.pages.map((page) => [page.number, page]));
  document.getElementById("spreads").replaceChildren(...state.spreads.map((numbers, index) => {
    const spread = element("section", {class: "spread" + (state.right_to_left ? " rtl" : ""),
                                       id: `spread-${index + 1}`,
                                       "aria-label": `Pages ${numbers.join(" and ")}`});
    for (const number of numbers) {
      const page = pages.get(number);
      const figure = element("figure", {class: "page", id: `page-${number}`});
      figure.append(element("img", {src: page.image, alt: `Page ${number}`}),
                    element("figcaption", {}, String(number)),
                    element("div", {class: "page-text"}, page.text));
      spread.append(figure);
    }
    return spread;
  }));
}

function show(state) {
  showStatus(state);
  showLines("problems", "problem-lines", state.problems);
  showLines("warnings", "warning-lines", state.warnings);
  document.getElementById("warnings-summary").textContent =
    `${state.warnings.length} warning${state.warnings.length === 1 ? "" : "s"}`;
  if (state.pages.length) {
    showSpreads(state);
    showContents(state);
    showReport(state);
  }
}

function follow() {
  const events = new EventSource("events");
  events.addEventListener("state", (event) => show(JSON.parse(event.data)));
  events.onerror = () => {
    const status = document.getElementById("status");
    status.textContent = "The preview server is not answering; reconnecting…";
  };
}

if (document.querySelector(".preview")) follow();
