// steplog template: api-sync
//
// For:        copying records from one HTTP API to another (or pushing local data to an API) when the API is
//             flaky: each call is a step with retries, a per-attempt timeout, a named circuit breaker shared
//             by every call to that API, and an idempotency key the API can use to apply a call once.
// Run:        API_URL=https://api.example.com node api-sync.mjs --input '{"since":"2026-11-01"}'
// Schedule:   see cron-job.mjs (an hourly sync is the same command from cron or a systemd timer).
// On a crash: rerun the same command without --input: records already pushed are not pushed again; a push
//             that was in flight when the process died is sent again with the same Idempotency-Key header.
// Breaker:    after 5 calls in a minute with more than half failing, the circuit "sync-api" opens: calls fail
//             at once (CircuitOpenError) and retries wait until it half-opens. Its state is kept in
//             .steplog/breakers.json, so the next run (the next cron start) starts with it still open.
// Errors:     HTTP 429/503 are retried after their Retry-After; other 5xx and network errors are retried;
//             other 4xx fail the step at once (TerminalError) and dead-letter it (exit 30; rerun to retry).
// Env:        API_URL (required), API_TOKEN (optional bearer token), API_TIMEOUT_MS (default 10000).
//
// Edit the places marked EDIT.
import { RetryableError, TerminalError, workflow } from "steplog";

// EDIT: the API, its credentials and the policy of every call.
const API_URL = process.env.API_URL;
const API_TOKEN = process.env.API_TOKEN;
const CALL = {
  retry: { retries: 5, minDelayMs: 500, maxDelayMs: 30_000 },
  timeoutMs: Number(process.env.API_TIMEOUT_MS ?? 10_000),
  breaker: { name: "sync-api", volumeThreshold: 5, errorThresholdPercentage: 50, resetAfterMs: 30_000 },
};

async function call(method, route, { signal, idempotencyKey, body }) {
  if (!API_URL) throw new TerminalError("set API_URL, for example API_URL=https://api.example.com");
  const headers = { accept: "application/json" };
  if (API_TOKEN) headers.authorization = `Bearer ${API_TOKEN}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  // `signal` aborts the request when the attempt times out: always pass it on.
  const res = await fetch(new URL(route, API_URL), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (res.ok) return res.status === 204 ? null : res.json();
  const text = (await res.text()).slice(0, 200);
  if (res.status === 429 || res.status === 503) {
    const seconds = Number(res.headers.get("retry-after"));
    throw new RetryableError(`${method} ${route}: HTTP ${res.status}`, Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : undefined);
  }
  if (res.status >= 400 && res.status < 500 && res.status !== 408) throw new TerminalError(`${method} ${route}: HTTP ${res.status} ${text}`);
  throw new Error(`${method} ${route}: HTTP ${res.status} ${text}`);
}

export const apiSync = workflow("api-sync", async (ctx, input) => {
  const since = input?.since ?? "1970-01-01";

  // EDIT: what to read.
  const records = await ctx.step("fetch changes", (step) => call("GET", `/records?since=${encodeURIComponent(since)}`, step), CALL);

  // EDIT: what to write. One step per record, 4 at a time; the key is stable per run and record.
  const { results } = await ctx.map("push", records, (record, _i, step) => call("PUT", `/sync/${encodeURIComponent(record.id)}`, { ...step, body: record }), {
    ...CALL,
    concurrency: 4,
  });

  await ctx.step("save cursor", (step) => call("POST", "/cursor", { ...step, body: { since, count: results.length } }), CALL);
  return { since, pushed: results.length };
});

await apiSync.main();
