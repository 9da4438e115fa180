// The floor of a journaled step: a minimal hand-written loop that does only what any design with an in-doubt
// marker must do per step. Before the step function runs, a `started` record is stringified, chained into a
// CRC-32 and written (one writeSync of the framed line), so that a crash during the step leaves a trace; after
// it, the result record the same way. No retry, timeout, lock, replay index or step naming rules.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";

const { O_WRONLY, O_APPEND, O_CREAT, O_EXCL } = fs.constants;

/**
 * Runs `steps` steps, step i returning `result(i)`, journaled by hand into a new file in `dir` (removed
 * afterwards). Each line is `<crc32 hex> <json>\n`; the CRC of a line chains on the previous line's. Returns the
 * bytes written per step.
 */
export async function journaledLoop(dir, steps, result) {
  const file = path.join(dir, `floor-${process.hrtime.bigint()}.jsonl`);
  const fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0o600);
  let crc = 0;
  let bytes = 0;
  const append = (record) => {
    const json = JSON.stringify(record);
    crc = zlib.crc32(json, crc);
    bytes += fs.writeSync(fd, `${crc.toString(16).padStart(8, "0")} ${json}\n`);
  };
  const step = async (key, seq, fn) => {
    append({ type: "started", key, seq });
    const out = await fn();
    append({ type: "step", key, seq, out });
    return out;
  };
  try {
    for (let i = 0; i < steps; i++) await step("s", i + 1, () => result(i));
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file);
  }
  return bytes / steps;
}
