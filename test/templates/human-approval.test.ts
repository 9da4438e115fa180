import { createFileStore } from "steplog";
import { expect, it } from "vitest";
import * as path from "node:path";
import { ROOT, runFile, runIds, stateDirsPerTest } from "../fixtures/docs/run.js";

const stateDir = stateDirsPerTest();

const FILE = "templates/human-approval.mjs";

it("waits (exit 40) printing the exact steplog send command, and completes once approved with it", async () => {
  const dir = stateDir();
  const env = { STEPLOG_DIR: dir };
  const first = await runFile(FILE, ["--input", '{"what":"deploy v2"}'], { env });
  expect(first.code).toBe(40);
  const [runId] = runIds(dir, "human-approval");
  expect(first.stderr).toContain(`is waiting for event 'approval'`);
  const printed = / approve: npx steplog send (\S+) approval --data '([^']*)' --dir (\S+) && node (\S+) --run-id (\S+)\n/.exec(first.stderr);
  expect(printed).not.toBeNull();
  const [, sendId, data, sendDir, script, resumeId] = printed!;
  expect(sendId).toBe(runId);
  expect(resumeId).toBe(runId);
  expect(script).toBe(FILE);
  expect(path.resolve(ROOT, sendDir!)).toBe(path.resolve(dir));

  const again = await runFile(FILE, ["--run-id", runId!], { env });
  expect(again.code).toBe(40);
  expect(again.stderr).toContain("↺ ask approver (replayed)");

  const send = await runFile("dist/cli/main.js", ["send", sendId!, "approval", "--data", data!.replace("<name>", "ada"), "--dir", sendDir!], { env: { STEPLOG_DIR: undefined } });
  expect(send.code).toBe(0);
  const done = await runFile(script!, ["--run-id", resumeId!], { env });
  expect(done.code).toBe(0);
  expect(JSON.parse(done.stdout)).toMatchObject({ what: "deploy v2", approved: true, by: "ada" });
  expect(done.stderr).toContain("✓ carry out");
});

it("a rejection sent through the store API ends the run without carrying out the work", async () => {
  const dir = stateDir();
  const env = { STEPLOG_DIR: dir };
  expect((await runFile(FILE, [], { env })).code).toBe(40);
  const [runId] = runIds(dir, "human-approval");
  await createFileStore({ dir }).sendEvent(runId!, "approval", { json: { approved: false, by: "grace" } }, Date.now());
  const done = await runFile(FILE, [], { env });
  expect(done.code).toBe(0);
  expect(JSON.parse(done.stdout)).toEqual({ what: "deploy v1.2.3", approved: false, by: "grace" });
  expect(done.stderr).not.toContain("carry out");
});
