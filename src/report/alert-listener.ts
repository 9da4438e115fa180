/**
 * Turns run events into alerts (run failure, dead-letter entry) and tracks the deliveries in flight, so that a
 * script can wait for them (bounded by the alert timeout) before it exits.
 */
import type { RunEventListener } from "../events.js";
import { alertOptionsFromEnv, createAlerter, mergeAlertOptions, type AlertEvent, type AlertOptions, type Alerter } from "./alerts.js";

/** A listener that sends alerts, and a way to wait for the ones in flight. */
export interface AlertListener {
  listener: RunEventListener | undefined;
  /** Sends an alert directly (abnormal exit). Never rejects. */
  send(event: AlertEvent): Promise<void>;
  /** Resolves when every alert sent so far has been delivered or has timed out. */
  settled(): Promise<void>;
}

/** Builds the alert listener from options and env vars; without any channel it does nothing and costs nothing. */
export function createAlertListener(options: AlertOptions | undefined, env: NodeJS.ProcessEnv = process.env): AlertListener {
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
