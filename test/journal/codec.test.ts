import { describe, expect, it } from "vitest";
import { frameLine, unframeLine } from "../../src/journal/codec.js";
import { crc32 } from "../../src/journal/crc32.js";

describe("line codec", () => {
  it("frames a body as one line with its CRC first and reads it back", () => {
    const body = JSON.stringify({ type: "step", key: "fetch", out: { json: "héllo ✓" } });
    const { line, crc } = frameLine(body, 0);
    expect(line).toMatch(/^\{"crc":"[0-9a-f]{8}","type":"step",.*\}\n$/);
    expect(line.split("\n")).toHaveLength(2);
    expect(unframeLine(line.slice(0, -1), 0)).toEqual({ ok: true, value: JSON.parse(body), crc });
  });

  it("uses the standard CRC-32", () => {
    expect(crc32("123456789", 0)).toBe(0xcbf43926);
  });

  it("chains each line's CRC to the previous one, so the same line fails after a different predecessor", () => {
    const first = frameLine('{"n":1}', 0);
    const second = frameLine('{"n":2}', first.crc);
    expect(unframeLine(second.line.slice(0, -1), first.crc).ok).toBe(true);
    expect(unframeLine(second.line.slice(0, -1), 0)).toMatchObject({ ok: false, reason: expect.stringContaining("checksum mismatch") });
  });

  it("refuses a changed, unframed or non-object line", () => {
    const { line } = frameLine('{"n":1}', 0);
    expect(unframeLine(line.slice(0, -1).replace('"n":1', '"n":2'), 0)).toMatchObject({ ok: false, reason: expect.stringContaining("checksum") });
    expect(unframeLine('{"n":1}', 0)).toMatchObject({ ok: false, reason: "the line does not start with a checksum" });
    expect(unframeLine('{"crc":"zzzzzzzz","n":1}', 0)).toMatchObject({ ok: false });
    const notJson = `{"crc":"${crc32("{oops", 0).toString(16).padStart(8, "0")}",oops`;
    expect(unframeLine(notJson, 0)).toMatchObject({ ok: false, reason: "not valid JSON" });
  });
});
