// The physical baselines steplog is compared with, each fed the same bytes steplog wrote or read.
import * as fs from "node:fs";
import * as path from "node:path";
import { median, timeChild } from "./harness.mjs";

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL } = fs.constants;

/** The lines of a journal file (without newlines). */
export function journalLines(file) {
  const text = fs.readFileSync(file, "utf8");
  return text.split("\n").filter((l) => l.length > 0);
}

/**
 * What each completed step appended to a journal: its `started` line and its `step` line, as one buffer per
 * step (the same bytes, in the same order).
 */
export function stepChunks(file) {
  const started = new Map();
  const chunks = [];
  for (const line of journalLines(file)) {
    const record = JSON.parse(line);
    if (record.type === "started") started.set(record.key, line);
    else if (record.type === "step") chunks.push(Buffer.from(`${started.get(record.key) ?? ""}${started.has(record.key) ? "\n" : ""}${line}\n`));
  }
  return chunks;
}

/** A raw `writeSync` of each chunk (one call per step), in µs of CPU time (user + system) per step. */
export function rawWriteSync(chunks, dir) {
  const file = path.join(dir, `raw-${process.hrtime.bigint()}.jsonl`);
  const fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0o600);
  const t0 = process.cpuUsage();
  for (const chunk of chunks) fs.writeSync(fd, chunk);
  const t = process.cpuUsage(t0);
  const us = (t.user + t.system) / chunks.length;
  fs.closeSync(fd);
  fs.rmSync(file);
  return us;
}

/** A raw `writeSync` + `fdatasync` of each chunk (one of each per step), in µs per step. */
export function rawWriteFdatasync(chunks, dir) {
  const file = path.join(dir, `raw-sync-${process.hrtime.bigint()}.jsonl`);
  const fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0o600);
  const t0 = performance.now();
  for (const chunk of chunks) {
    fs.writeSync(fd, chunk);
    fs.fdatasyncSync(fd);
  }
  const us = ((performance.now() - t0) * 1000) / chunks.length;
  fs.closeSync(fd);
  fs.rmSync(file);
  return us;
}

/**
 * What a careful hand-written reader does with the same journal: read the file, split it into lines, and
 * JSON.parse each line (no checksum, no record rules). In ms.
 */
export function jsonParseLines(file) {
  const t0 = performance.now();
  const text = fs.readFileSync(file, "utf8");
  const records = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    if (end === -1) break;
    records.push(JSON.parse(text.slice(start, end)));
    start = end + 1;
  }
  const ms = performance.now() - t0;
  if (records.length === 0) throw new Error(`${file} has no lines`);
  return ms;
}

/** Wall time of `node -e 0` (spawn to exit), median of `reps`. */
export async function nodeStartup(reps) {
  const times = [];
  for (let i = 0; i < reps; i++) times.push((await timeChild(["-e", "0"])).ms);
  return median(times);
}
