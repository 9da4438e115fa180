import { spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { createPostgresStore, latestVersion } from "../../src/store/postgres/index.js";
import { DATABASE_URL, describePg, dropSchema, freshSchema, sql } from "./pg-env.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const schemas: string[] = [];

interface Migrator {
  ready: Promise<void>;
  go(): void;
  applied: Promise<number[]>;
}

function startMigrator(schema: string): Migrator {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "test/fixtures/postgres/migrate.ts"), DATABASE_URL, schema], { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  const applied = new Promise<number[]>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      const message = JSON.parse(line) as { event: string; applied?: number[] };
      if (message.event === "ready") readyResolve();
      if (message.event === "migrated") resolve(message.applied!);
    });
    child.on("close", (code) => reject(new Error(`migrator exited with ${code}`)));
  });
  return { ready, go: () => child.stdin!.write("go\n"), applied };
}

describePg("PostgreSQL migrations", () => {
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it("two processes migrating the same schema at once: one applies every version, the other none", async () => {
    const schema = freshSchema("migrate");
    schemas.push(schema);
    const migrators = [startMigrator(schema), startMigrator(schema)];
    await Promise.all(migrators.map((m) => m.ready));
    for (const m of migrators) m.go();
    const applied = await Promise.all(migrators.map((m) => m.applied));
    const all = Array.from({ length: latestVersion() }, (_, i) => i + 1);
    expect(applied.map((a) => a.length).sort()).toEqual([0, all.length]);
    expect(applied.flat()).toEqual(all);
    const versions = await sql<{ version: number }>(`select version from "${schema}".migrations order by version`);
    expect(versions.map((v) => v.version)).toEqual(all);
  });

  it("applies migrations on first use, once, and a second store on the schema finds them done", async () => {
    const schema = freshSchema("migrate");
    schemas.push(schema);
    const first = createPostgresStore({ connectionString: DATABASE_URL, schema });
    expect(await first.listRuns()).toEqual([]);
    const second = createPostgresStore({ connectionString: DATABASE_URL, schema });
    await Promise.all([second.listRuns(), second.migrate()]);
    const versions = await sql<{ version: number }>(`select version from "${schema}".migrations`);
    expect(versions).toHaveLength(latestVersion());
    await first.close();
    await second.close();
  });
});
