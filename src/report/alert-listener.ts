/**
 * Turns run events into alerts (run failure, dead-letter entry) and tracks the deliveries in flight, so that a
 * script can wait for them (bounded by the alert timeout) before it exits.
 */
import type { RunEventListener } from "../events.js";
import type { AlertEvent, AlertOptions, Alerter } from "./alerts.js";

/** A listener that sends alerts, and a way to wait for the ones in flight. */
export interface AlertListener {
  listener: RunEventListener | undefined;
  /** Sends an alert directly (abnormal exit). Never rejects. */
  send(event: AlertEvent): Promise<void>;
  /** Resolves when every alert sent so far has been delivered or has timed out. */
  settled(): Promise<void>;
}

/**
 * The environment variables `alertOptionsFromEnv` reads (src/report/alerts.ts). When none of them is set and no
 * `alerts` option is given, no alert can be sent, and the alert modules are not loaded at all.
 */
export const ALERT_ENV_NAMES: readonly string[] = [
  "STEPLOG_NTFY_URL", "STEPLOG_NTFY_TOKEN", "STEPLOG_WEBHOOK_URL", "STEPLOG_TELEGRAM_BOT_TOKEN", "STEPLOG_TELEGRAM_CHAT_ID",
  "STEPLOG_ALERT_TIMEOUT_MS",
];

const NO_ALERTS: AlertListener = { listener: undefined, send: () => Promise.resolve(), settled: () => Promise.resolve() };

/**
 * Builds the alert listener from options and env vars; without any channel it does nothing and costs nothing.
 * Rejects with a UsageError naming the option or variable when the configuration is invalid.
 *
 * @example
 * ```ts
 * const alerts = await createAlertListener(definition.userOptions.alerts);
 * if (alerts.listener) listeners.push(alerts.listener);
 * // ... at the end of the script:
 * await alerts.settled();
 * ```
 */
export async function createAlertListener(options: AlertOptions | undefined, env: NodeJS.ProcessEnv = process.env): Promise<AlertListener> {
  if (options === undefined && !ALERT_ENV_NAMES.some((name) => (env[name]?.trim() ?? "") !== "")) return NO_ALERTS;
  const { alertOptionsFromEnv, createAlerter, mergeAlertOptions } = await import("./alerts.js");
  const merged = mergeAlertOptions(options, alertOptionsFromEnv(env));
  const alerter: Alerter = createAlerter(merged);
  const inFlight = new Set<Promise<unknown>>();
  const send = (event: AlertEvent): Promise<void> => {
    if (!alerter.enabled) return Promise.resolve();
    const delivery = alerter.send(event).then(() => undefined, () => undefined);
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
    return delivery;
  };
  const listener: RunEventListener | undefined = alerter.enabled
    ? (event) => {
        if (event.type === "run:fail") {
          void send({
            kind: "run-failed", workflow: event.workflow, runId: event.runId, at: event.at,
            title: `${event.workflow}: run failed (exit ${event.exitCode})`,
            message: `run ${event.runId} failed: ${event.error.message}`,
            error: { name: event.error.name, message: event.error.message },
          });
        } else if (event.type === "step:fail") {
          void send({
            kind: "dead-letter", workflow: event.workflow, runId: event.runId, at: event.at, stepKey: event.key,
            title: `${event.workflow}: step '${event.key}' dead-lettered`,
            message: `step '${event.key}' of run ${event.runId} failed after ${event.attempts} attempt(s): ${event.error.message}. Redrive with: npx steplog dlq list`,
            error: { name: event.error.name, message: event.error.message },
          });
        }
      }
    : undefined;
  return { listener, send, settled: async () => void (await Promise.all([...inFlight])) };
}
