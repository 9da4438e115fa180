// A stored error: name, code, message, and its stack and causes folded away.

import { h } from "./dom.js";

export function errorView(error) {
  if (!error) return null;
  return h(
    "div",
    { class: "error" },
    h("div", { class: "error-head" }, h("b", {}, error.name), error.code ? h("span", { class: "muted" }, ` [${error.code}]`) : null, ": ", error.message),
    error.stack ? h("details", {}, h("summary", {}, "stack"), h("pre", { class: "stack" }, error.stack)) : null,
    error.cause ? h("div", { class: "cause" }, h("span", { class: "muted" }, "caused by "), errorView(error.cause)) : null,
  );
}
