import * as net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PersistenceError, UsageError, workflow } from "../../src/index.js";
import { exitCodeFor } from "../../src/exit-codes.js";
import { createPostgresStore } from "../../src/store/postgres/index.js";
import { describePg } from "./pg-env.js";

let silent: net.Server;
let silentPort = 0;
const sockets = new Set<net.Socket>();

describePg("PostgreSQL connection failures", () => {
  beforeAll(async () => {
    // Accepts connections and never answers: the connection timeout must end the wait.
    silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("refuses a connection string that is not a postgres:// URL with a PersistenceError at once", () => {
    expect(() => createPostgresStore({ connectionString: "db.example:5432" })).toThrow(PersistenceError);
    expect(() => createPostgresStore({ connectionString: "db.example:5432" })).toThrow(/postgres:\/\/user/);
    expect(() => createPostgresStore({})).toThrow(UsageError);
    expect(() => createPostgresStore({ connectionString: "postgres://x@y/z", schema: "Bad-Name" })).toThrow(/schema/);
  });

  it("reports a refused connection as a PersistenceError naming the server, without the password", async () => {
    const store = createPostgresStore({ connectionString: "postgres://postgres:s3cret@127.0.0.1:1/test", connectTimeoutMs: 1_000 });
    const error = await store.listRuns().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toMatch(/cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test/);
    expect((error as Error).message).not.toContain("s3cret");
    expect(exitCodeFor(error, false)).toBe(60);
    await store.close();
  });

  it("gives up on a server that never answers after connectTimeoutMs", async () => {
    const store = createPostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${silentPort}/test`, connectTimeoutMs: 300 });
    const started = performance.now();
    const error = await store.getRun("01ARZ3NDEKTSV4RRFFQ69G5FA1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect(performance.now() - started).toBeLessThan(5_000);
    await store.close();
  });

  it("names a missing database, and a workflow run on it fails with exit code 60", async () => {
    const store = createPostgresStore({ connectionString: "postgres://postgres@127.0.0.1:5432/steplog_no_such_db", connectTimeoutMs: 2_000 });
    const wf = workflow("unreachable", async (ctx) => ctx.step("a", () => 1), { store });
    const error = await wf.run(undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toMatch(/steplog_no_such_db/);
    expect(exitCodeFor(error, false)).toBe(60);
    await store.close();
  });
});
