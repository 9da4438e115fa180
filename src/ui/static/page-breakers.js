// The breakers page: every persisted circuit breaker, its state and until when it stays open.

import { getJson } from "./api.js";
import { badge, h } from "./dom.js";
import { formatTime, relative } from "./format.js";

export const breakersPage = {
  name: "breakers",
  load: () => getJson("/api/breakers"),
  render(breakers) {
    return h(
      "section",
      { class: "page" },
      h("div", { class: "toolbar" }, h("h1", {}, "Circuit breakers")),
      breakers.length === 0
        ? h("p", { class: "empty" }, "No breaker has recorded a state yet (steps name one with the `breaker` option).")
        : h(
            "table",
            { class: "grid", id: "breakers" },
            h("thead", {}, h("tr", {}, ["Breaker", "State", "Open until", "Failures", "Updated"].map((t) => h("th", {}, t)))),
            h(
              "tbody",
              {},
              breakers.map((b) =>
                h(
                  "tr",
                  { dataset: { breaker: b.name } },
                  h("td", { class: "mono" }, b.name),
                  h("td", {}, badge(b.state), b.due ? h("span", { class: "note" }, " lets the next call through") : null),
                  h("td", {}, b.state === "open" && b.openUntil !== null ? `${formatTime(b.openUntil)} (${relative(b.openUntil)})` : ""),
                  h("td", { class: "num" }, String(b.failures)),
                  h("td", {}, formatTime(b.updatedAt)),
                ),
              ),
            ),
          ),
    );
  },
};
