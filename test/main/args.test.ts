import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseScriptArgs } from "../../src/main/args.js";

const defaults = {
  input: undefined, inputGiven: false, key: undefined, runId: undefined, fresh: false, dir: undefined, json: false, log: undefined,
  help: false,
};

describe("parseScriptArgs", () => {
  it("gives the same defaults without flags as a parsed command line leaves for the flags not given", () => {
    expect(parseScriptArgs([])).toStrictEqual(defaults);
    expect(parseScriptArgs(["--fresh"])).toStrictEqual({ ...defaults, fresh: true });
    expect(parseScriptArgs(["--input", '{"day":"2026-11-22"}', "--log", "json"])).toStrictEqual({
      ...defaults, input: { day: "2026-11-22" }, inputGiven: true, log: "json",
    });
  });

  it("refuses unknown flags and positionals with UsageError", () => {
    expect(() => parseScriptArgs(["--frsh"])).toThrow(UsageError);
    expect(() => parseScriptArgs(["extra"])).toThrow(/--help/);
  });
});
