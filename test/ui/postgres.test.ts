import { spawnSync } from "node:child_process";
import * as http from "node:http";
import { afterAll, expect, it } from "vitest";
import { DATABASE_URL, describePg, dropSchema, freshSchema } from "../postgres/pg-env.js";
import { CLI, removeTemps, runScript, startUi, tempState } from "./helpers.js";

/** Resolves with the first `change` event of the dashboard's event stream, after `trigger` ran. */
function nextChange(url: string, trigger: () => Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}api/events`, (res) => {
      let text = "";
      let triggered = false;
      res.setEncoding("utf8").on("data", (d: string) => {
        text += d;
        if (!triggered && text.startsWith("retry:")) {
          triggered = true;
          trigger().catch(reject);
        }
        if (text.includes("event: change")) {
          req.destroy();
          resolve(text);
        }
      });
    });
    req.on("error", (error) => void (req.destroyed || reject(error)));
  });
}

describePg("steplog ui on PostgreSQL", () => {
  const schema = freshSchema("ui");
  const env = { STEPLOG_DATABASE_URL: DATABASE_URL, STEPLOG_DATABASE_SCHEMA: schema };
  afterAll(async () => {
    await dropSchema(schema);
    removeTemps();
  });

  it("lists the database's runs and pushes a change event when a new run lands", async () => {
    const migrate = spawnSync(process.execPath, [CLI, "migrate", "--database-url", DATABASE_URL, "--database-schema", schema], { encoding: "utf8" });
    expect(migrate.status).toBe(0);
    const { dir } = tempState();
    expect((await runScript("showcase", dir, ["--input", '{"to":"a"}'], env)).code).toBe(0);
    const ui = await startUi(dir, ["--database-url", DATABASE_URL, "--database-schema", schema]);
    try {
      const runs = (await (await fetch(`${ui.url}api/runs`)).json()) as { runs: { workflow: string; status: string }[] };
      expect(runs.runs).toEqual([expect.objectContaining({ workflow: "showcase", status: "completed" })]);
      const events = await nextChange(ui.url, async () => {
        expect((await runScript("showcase", dir, ["--input", '{"to":"b"}', "--fresh"], env)).code).toBe(0);
      });
      expect(events).toContain("event: change");
      const after = (await (await fetch(`${ui.url}api/runs`)).json()) as { counts: { completed: number } };
      expect(after.counts.completed).toBe(2);
    } finally {
      await ui.stop();
    }
  });
});
