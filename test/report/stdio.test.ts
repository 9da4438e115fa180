import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { writeStderr } from "../../src/report/stdio.js";

afterEach(() => vi.restoreAllMocks());

// The tests run in this order: after the EAGAIN test, stderr goes through the stream for the rest of the file.
describe("writeStderr", () => {
  it("writes on file descriptor 2 itself, without process.stderr", () => {
    const writes: string[] = [];
    vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, data: Buffer) => {
      writes.push(`${fd}:${data.toString()}`);
      return data.length;
    }) as typeof fs.writeSync);
    const stream = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    writeStderr("one\n");
    expect(writes).toEqual(["2:one\n"]);
    expect(stream).not.toHaveBeenCalled();
  });

  it("drops the line when nobody reads stderr any more (EPIPE) instead of throwing", () => {
    vi.spyOn(fs, "writeSync").mockImplementation((() => {
      throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
    }) as typeof fs.writeSync);
    const stream = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(() => writeStderr("lost\n")).not.toThrow();
    expect(stream).not.toHaveBeenCalled();
  });

  it("after a refused write (EAGAIN) hands the rest and every later line to the stream, in order", () => {
    let calls = 0;
    vi.spyOn(fs, "writeSync").mockImplementation((() => {
      if (++calls === 1) return 4; // a short write: "abc\n" of "abc\ndef\n"
      throw Object.assign(new Error("resource temporarily unavailable"), { code: "EAGAIN" });
    }) as typeof fs.writeSync);
    const streamed: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array) => {
      streamed.push(Buffer.from(chunk).toString());
      return true;
    }) as typeof process.stderr.write);
    writeStderr("abc\ndef\n");
    writeStderr("ghi\n");
    expect(streamed).toEqual(["def\n", "ghi\n"]);
    expect(calls).toBe(2);
  });
});
