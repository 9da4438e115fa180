import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { ALERT_ENV_NAMES, createAlertListener } from "../../src/report/alert-listener.js";
import { alertOptionsFromEnv } from "../../src/report/alerts.js";

describe("createAlertListener", () => {
  it("knows every environment variable that configures alerts (it skips loading the alert modules without them)", () => {
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_target, name) => {
        if (typeof name === "string") read.add(name);
        return undefined;
      },
    });
    alertOptionsFromEnv(env);
    expect([...read].sort()).toEqual([...ALERT_ENV_NAMES].sort());
  });

  it("without options or variables sends nothing and has no listener", async () => {
    const alerts = await createAlertListener(undefined, { STEPLOG_NTFY_URL: "  " });
    expect(alerts.listener).toBeUndefined();
    await alerts.send({ kind: "abnormal-exit", workflow: "w", runId: "r", title: "t", message: "m", at: 0 });
    await alerts.settled();
  });

  it("validates the configuration once a variable is set", async () => {
    await expect(createAlertListener(undefined, { STEPLOG_ALERT_TIMEOUT_MS: "soon" })).rejects.toThrow(UsageError);
    await expect(createAlertListener(undefined, { STEPLOG_TELEGRAM_CHAT_ID: "42" })).rejects.toThrow(/STEPLOG_TELEGRAM_BOT_TOKEN/);
    const alerts = await createAlertListener(undefined, { STEPLOG_WEBHOOK_URL: "http://127.0.0.1:9/hook" });
    expect(alerts.listener).toBeTypeOf("function");
  });
});
