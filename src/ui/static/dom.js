// Building the page's DOM. Text is always set with text nodes, never parsed as HTML: step names, errors and
// values are user data.
/* global document, Node */

/**
 * Creates an element. `attrs`: `class`, `href`, `title`, `type`, `value`, … as attributes; `on<event>` as
 * listeners; `dataset` as data attributes. Children: nodes, strings (as text), arrays, null/undefined/false.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "style") Object.assign(el.style, value);
    else if (name === "value" || name === "checked" || name === "disabled") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A status badge: `completed`, `failed`, `open`, … */
export function badge(text, kind = text) {
  return h("span", { class: `badge badge-${String(kind).replace(/[^a-z-]/g, "")}` }, text);
}

/** Shows a short message at the bottom of the page. */
export function toast(message, kind = "ok") {
  const el = document.getElementById("toast");
  replace(el, message);
  el.className = `toast toast-${kind} toast-shown`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.className = "toast"), kind === "error" ? 8000 : 4000);
}
