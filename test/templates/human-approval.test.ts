import { createFileStore } from "steplog";
import { afterEach, expect, it } from "vitest";
import { runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function stateDir(): string {
  const t = tempDir();
  cleanup = t.remove;
  return t.dir;
}

const FILE = "templates/human-approval.mjs";

it("waits (exit 40) printing the exact approve command, and completes once approved with it", async () => {
  const dir = stateDir();
  const env = { STEPLOG_DIR: dir };
  const first = await runFile(FILE, ["--input", '{"what":"deploy v2"}'], { env });
  expect(first.code).toBe(40);
  const [runId] = runIds(dir, "human-approval");
  const approve = new RegExp(`approve: (node templates/human-approval\\.mjs approve ${runId}) --by <name> && (node templates/human-approval\\.mjs --run-id ${runId})`).exec(first.stderr);
  expect(approve).not.toBeNull();
  expect(first.stderr).toContain(`is waiting for event 'approval'`);

  const again = await runFile(FILE, ["--run-id", runId!], { env });
  expect(again.code).toBe(40);
  expect(again.stderr).toContain("↺ ask approver (replayed)");

  const [, approveCommand, resumeCommand] = approve!;
  const send = await runFile(approveCommand!.split(" ")[1]!, [...approveCommand!.split(" ").slice(2), "--by", "ada"], { env });
  expect(send.code).toBe(0);
  const done = await runFile(resumeCommand!.split(" ")[1]!, resumeCommand!.split(" ").slice(2), { env });
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

it("refuses to approve an unknown run (exit 10)", async () => {
  const dir = stateDir();
  const ran = await runFile(FILE, ["approve", "01ARZ3NDEKTSV4RRFFQ69G5FAV"], { env: { STEPLOG_DIR: dir } });
  expect(ran.code).toBe(10);
  expect(ran.stderr).toContain("unknown run id 01ARZ3NDEKTSV4RRFFQ69G5FAV");
});
