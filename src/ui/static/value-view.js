// Drawing a typed value (see src/ui/typed-value.ts) as indented text: Dates, Maps, Sets, BigInts, bytes and
// strings each look like what they are. Built from text nodes only.
/* global document */

import { h } from "./dom.js";

/** A `<pre>` showing the value. */
export function valueView(value) {
  const pre = h("pre", { class: "value" });
  write(pre, value, 0);
  return pre;
}

const PRIMITIVE = new Set(["null", "undefined", "bool", "num", "str", "bigint", "date", "regexp", "url", "bytes", "circular", "other", "error"]);

function write(out, v, depth) {
  if (PRIMITIVE.has(v.t)) return out.append(primitive(v));
  const { open, close, items } = container(v);
  if (items.length === 0 && !v.more) return out.append(punct(`${open}${close.trim()}`));
  const inline = items.every((item) => item.every((part) => typeof part === "string" || PRIMITIVE.has(part.t))) && shortLength(items) < 72;
  out.append(punct(open));
  items.forEach((parts, i) => {
    out.append(inline ? (i === 0 ? " " : "") : `\n${"  ".repeat(depth + 1)}`);
    for (const part of parts) {
      if (typeof part === "string") out.append(part.startsWith("key:") ? key(part.slice(4)) : punct(part));
      else write(out, part, depth + 1);
    }
    if (i < items.length - 1 || v.more) out.append(punct(","));
    if (inline && (i < items.length - 1 || v.more)) out.append(" ");
  });
  if (v.more) out.append(inline ? "" : `\n${"  ".repeat(depth + 1)}`, h("span", { class: "v-more" }, `… ${v.more} more`));
  out.append(inline ? " " : `\n${"  ".repeat(depth)}`, punct(close.trim()));
}

function container(v) {
  switch (v.t) {
    case "array":
      return { open: "[", close: "]", items: v.items.map((item) => [item]) };
    case "set":
      return { open: `Set(${v.items.length + (v.more ?? 0)}) {`, close: "}", items: v.items.map((item) => [item]) };
    case "map":
      return { open: `Map(${v.entries.length + (v.more ?? 0)}) {`, close: "}", items: v.entries.map(([k, val]) => [k, " => ", val]) };
    default:
      return { open: "{", close: "}", items: v.entries.map(([k, val]) => [`key:${k}`, ": ", val]) };
  }
}

function shortLength(items) {
  let n = 0;
  for (const parts of items) for (const part of parts) n += typeof part === "string" ? part.length : primitiveText(part).length + 2;
  return n;
}

function primitive(v) {
  const kind = { str: "v-str", num: "v-num", bigint: "v-num", bool: "v-bool", date: "v-date", regexp: "v-re", url: "v-date", bytes: "v-bytes", error: "v-error" }[v.t] ?? "v-null";
  return h("span", { class: kind, title: v.t === "date" ? new Date(v.v).toString() : undefined }, primitiveText(v));
}

function primitiveText(v) {
  switch (v.t) {
    case "str":
      return JSON.stringify(v.v);
    case "num":
    case "bool":
      return String(v.v);
    case "bigint":
      return `${v.v}n`;
    case "date":
      return `Date(${v.v})`;
    case "regexp":
      return v.v;
    case "url":
      return `URL(${v.v})`;
    case "bytes":
      return `${v.type}(${v.length}) ${v.hex}`;
    case "circular":
      return "[Circular]";
    case "error":
      return `(cannot be read: ${v.message})`;
    case "other":
      return `(${v.v})`;
    default:
      return v.t;
  }
}

function key(name) {
  return h("span", { class: "v-key" }, /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
}

function punct(text) {
  return document.createTextNode(text);
}
