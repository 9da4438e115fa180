import { expect, it } from "vitest";
import { journal, runFile, runIds, stateDirsPerTest } from "../fixtures/docs/run.js";

const stateDir = stateDirsPerTest();

it("completes an order and runs no compensation", async () => {
  const dir = stateDir();
  const ran = await runFile("templates/saga.mjs", ["--input", '{"orderId":"A-1001","amount":42}'], { env: { STEPLOG_DIR: dir } });
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout)).toEqual({ orderId: "A-1001", reservation: "R-A-1001", charge: "C-A-1001", tracking: "T-A-1001" });
  expect(ran.stderr).not.toMatch(/refund|release/);
});

it("a step failing for good runs the compensations of completed steps in reverse order and exits 30", async () => {
  const dir = stateDir();
  const ran = await runFile("templates/saga.mjs", ["--input", '{"orderId":"A-1002","amount":42,"failAt":"book shipment"}'], { env: { STEPLOG_DIR: dir } });
  expect(ran.code).toBe(30);
  const lines = ran.stderr.split("\n").map((l) => l.trim());
  const order = ["charge 42 for A-1002", "✗ book shipment", "refund C-A-1002", "release R-A-1002"].map((prefix) => lines.findIndex((l) => l.startsWith(prefix)));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  const [runId] = runIds(dir, "saga");
  const records = journal(dir, "saga", runId!);
  expect(records.filter((r) => r.type === "compensate").map((r) => r.key)).toEqual(["charge card", "reserve stock"]);
  expect(records.at(-1)).toMatchObject({ type: "end", status: "failed", compensated: true });
});
