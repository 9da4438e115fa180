// Approval runs over HTTP with server-sent events, using only node:http and steplog's engine.
//
//   npm run build && node examples/http-server/server.mjs      # env PORT (default 3000), STEPLOG_DIR
//
//   curl -s -X POST localhost:3000/runs -d '{"amount":120}'    # -> {"runId":"01J..."}
//   curl -N localhost:3000/runs/$RUN/events                    # events as they happen, until the run ends
//   curl -s -X POST localhost:3000/runs/$RUN/approve -d '{"by":"ada"}'
//   curl -s -X POST localhost:3000/runs/$RUN/approve -d '{"by":"ada","approved":false}'
//   curl -s -X POST localhost:3000/runs/$RUN/cancel -d '{"reason":"duplicate"}'
//   curl -s localhost:3000/runs/$RUN                           # status, input, output or error
//   curl -s localhost:3000/runs
//
// A run waits in memory for its approval. Stop the server while a run waits and start it again: the run is
// resumed (engine.resumeAll) and an approval still completes it.
import * as http from "node:http";
import { createEngine, UsageError, workflow } from "steplog";

const approval = workflow("approval", async (ctx, input) => {
  const request = await ctx.step("submit", () => ({ amount: input.amount, submittedAt: new Date().toISOString() }));
  const decision = await ctx.waitForEvent("approval");
  if (decision.approved === false) return { status: "rejected", by: decision.by };
  const payment = await ctx.step("pay", () => ({ paid: request.amount, reference: `pay-${Date.now()}` }));
  return { status: "paid", amount: payment.paid, reference: payment.reference, by: decision.by };
});

const engine = createEngine({ workflows: [approval], onEvent: (e) => console.log(`${e.runId} ${e.type}`) });

const RUN = "([0-9A-HJKMNP-TV-Z]{26})";
const routes = [
  ["POST", /^\/runs$/, startRun],
  ["GET", /^\/runs$/, async () => [200, await engine.list({ workflow: "approval", limit: 50 })]],
  ["GET", new RegExp(`^/runs/${RUN}$`), getRun],
  ["GET", new RegExp(`^/runs/${RUN}/events$`), streamEvents],
  ["POST", new RegExp(`^/runs/${RUN}/approve$`), approve],
  ["POST", new RegExp(`^/runs/${RUN}/cancel$`), cancel],
];

async function startRun(req) {
  const body = await readJson(req);
  if (typeof body.amount !== "number" || !(body.amount > 0)) return [400, { error: "expected a positive number `amount`" }];
  const run = await engine.start(approval, { amount: body.amount }, body.key === undefined ? {} : { key: String(body.key) });
  return [201, { runId: run.runId, events: `/runs/${run.runId}/events` }];
}

async function getRun(_req, _res, runId) {
  const details = await engine.get(runId);
  return details ? [200, details] : [404, { error: `no run ${runId}` }];
}

async function approve(req, _res, runId) {
  const body = await readJson(req);
  const messageId = await engine.send(runId, "approval", { approved: body.approved !== false, by: String(body.by ?? "anonymous") });
  return [202, { messageId }];
}

async function cancel(req, _res, runId) {
  const body = await readJson(req);
  const cancelled = await engine.cancel(runId, body.reason === undefined ? undefined : String(body.reason));
  return cancelled ? [202, { cancelled }] : [409, { error: `run ${runId} has already finished` }];
}

// Server-sent events: one `event: <type>` per run event, the event as JSON in `data`; the response ends after
// the run's final event. Leaving (closing the connection) stops the stream at once.
async function streamEvents(_req, res, runId) {
  if ((await engine.get(runId)) === undefined) return [404, { error: `no run ${runId}` }];
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const events = engine.stream(runId);
  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  res.on("close", () => void events.return());
  let id = 0;
  try {
    for await (const event of events) res.write(`id: ${++id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      text += chunk;
      if (text.length > 64 * 1024) reject(new UsageError("request body too large"));
    });
    req.on("error", reject);
    req.on("end", () => {
      try {
        const value = text.trim() === "" ? {} : JSON.parse(text);
        resolve(value !== null && typeof value === "object" ? value : {});
      } catch {
        reject(new UsageError("the request body is not JSON"));
      }
    });
  });
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  const route = routes.find(([method, pattern]) => method === req.method && pattern.test(pathname));
  if (!route) return send(res, 404, { error: `no route ${req.method} ${pathname}` });
  try {
    const answer = await route[2](req, res, ...route[1].exec(pathname).slice(1));
    if (answer) send(res, ...answer);
  } catch (error) {
    if (res.headersSent) return res.end();
    send(res, error instanceof UsageError ? 400 : 500, { error: error.message });
  }
});

const resumed = await engine.resumeAll();
if (resumed.length > 0) console.log(`resumed ${resumed.length} unfinished run(s): ${resumed.map((r) => r.runId).join(" ")}`);

server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

// `process.on`, not `once`: a listener that stays registered tells exit hooks of other modules (the lock's
// signal-exit) that the signal is handled here, so they do not re-raise it and kill the process mid-shutdown.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    await engine.close(); // waiting runs stop here and resume when the server starts again
    server.closeAllConnections();
    process.exit(0);
  });
}
