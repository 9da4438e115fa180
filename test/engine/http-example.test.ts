/**
 * The HTTP example (examples/http-server/server.mjs) as a child process on a free port, against the built
 * package (`npm test` builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempStateDir } from "./helpers.js";

const SERVER = path.resolve("examples/http-server/server.mjs");

interface ServerSentEvent {
  event: string;
  data: Record<string, unknown>;
}

let state: ReturnType<typeof tempStateDir>;
let server: ChildProcess | undefined;
let output = "";

beforeEach(() => {
  if (!fs.readFileSync(path.resolve("dist/index.js"), "utf8").includes("createEngine")) throw new Error("dist/ is stale: run `npm run build`");
  state = tempStateDir();
});

afterEach(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  server = undefined;
  state.remove();
});

/** Starts the server on port 0 and returns its base URL once it listens. */
function startServer(): Promise<string> {
  output = "";
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: "0", STEPLOG_DIR: state.dir }, stdio: ["ignore", "pipe", "pipe"] });
  server = child;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Reads a server-sent event stream: `next(type)` reads up to that event type, `rest()` until the response ends. */
async function openEvents(url: string) {
  const res = await fetch(url);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const read = async (): Promise<ServerSentEvent | undefined> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) as Record<string, unknown> };
        continue;
      }
      const chunk = await reader.read();
      if (chunk.done) return undefined;
      buffer += chunk.value;
    }
  };
  return {
    async next(type: string): Promise<ServerSentEvent[]> {
      const seen: ServerSentEvent[] = [];
      for (;;) {
        const event = await read();
        if (event === undefined) throw new Error(`the stream ended before ${type}; got ${seen.map((e) => e.event).join(", ")}`);
        seen.push(event);
        if (event.event === type) return seen;
      }
    },
    async rest(): Promise<ServerSentEvent[]> {
      const seen: ServerSentEvent[] = [];
      for (let event = await read(); event !== undefined; event = await read()) seen.push(event);
      return seen;
    },
  };
}

describe("examples/http-server", () => {
  it("starts a run, streams its events as server-sent events, and completes it on approval", async () => {
    const base = await startServer();
    const started = await post(`${base}/runs`, { amount: 120 });
    expect(started.status).toBe(201);
    const runId = started.body.runId as string;

    const events = await openEvents(`${base}/runs/${runId}/events`);
    const untilWait = await events.next("run:wait");
    expect(untilWait.map((e) => e.event)).toEqual(["run:start", "step:start", "step:complete", "run:wait"]);
    expect(untilWait[3]!.data).toMatchObject({ runId, wait: { kind: "event", event: "approval" } });

    expect((await post(`${base}/runs/${runId}/approve`, { by: "ada" })).status).toBe(202);
    const rest = await events.rest();
    expect(rest.map((e) => e.event)).toEqual(["step:start", "step:complete", "run:complete"]);
    expect(rest[2]!.data).toMatchObject({ runId, result: { status: "paid", amount: 120, by: "ada" } });

    const details = (await (await fetch(`${base}/runs/${runId}`)).json()) as Record<string, unknown>;
    expect(details).toMatchObject({ status: "completed", input: { amount: 120 } });
  });

  it("cancels a waiting run and ends its event stream with run:cancel", async () => {
    const base = await startServer();
    const runId = (await post(`${base}/runs`, { amount: 5 })).body.runId as string;
    const events = await openEvents(`${base}/runs/${runId}/events`);
    await events.next("run:wait");
    expect((await post(`${base}/runs/${runId}/cancel`, { reason: "duplicate" })).status).toBe(202);
    const rest = await events.rest();
    expect(rest.at(-1)).toMatchObject({ event: "run:cancel", data: { reason: "duplicate" } });
    expect((await post(`${base}/runs/${runId}/cancel`, {})).status).toBe(409);
    expect((await fetch(`${base}/runs/01JD3Q8Z9X4M2N7P5R6S8T0V1W/events`)).status).toBe(404);
    expect((await post(`${base}/runs`, { amount: "lots" })).status).toBe(400);
  });

  it("resumes a waiting run after a restart, and an approval completes it", async () => {
    const base = await startServer();
    const runId = (await post(`${base}/runs`, { amount: 9 })).body.runId as string;
    await (await openEvents(`${base}/runs/${runId}/events`)).next("run:wait");
    const stopped = new Promise<number | null>((resolve) => server!.once("exit", resolve));
    server!.kill("SIGTERM");
    expect(await stopped).toBe(0);

    const again = await startServer();
    expect(output).toContain(`resumed 1 unfinished run(s): ${runId}`);
    const events = await openEvents(`${again}/runs/${runId}/events`);
    expect((await events.next("run:wait")).map((e) => e.event)).toEqual(["run:resume", "step:replay", "run:wait"]);
    await post(`${again}/runs/${runId}/approve`, { by: "bo", approved: false });
    expect((await events.rest()).at(-1)).toMatchObject({ event: "run:complete", data: { result: { status: "rejected", by: "bo" } } });
  });
});
