// A data migration in batches: copy every row of a source table to a new shape, one batch per step.
// Kill it at any point and run the same command again: finished batches are not redone, the batch that
// was in flight is written again (each batch file is replaced atomically, so writing twice is harmless),
// and the final check proves that every row arrived exactly once.
//
//   node examples/data-migration/migrate.mjs --input '{"rows":20000,"batchSize":1000}'
//     (no source given: a sample source of `rows` users is generated first)
//   node examples/data-migration/migrate.mjs --input '{"source":"users.jsonl","target":"users-v2"}'
//
// Source: JSON lines {"id":1,"name":"Ada Lovelace","email":"ADA@Example.com"}; target: a directory of
// part-NNNNN.jsonl files with {"id":1,"first":"Ada","last":"Lovelace","email":"ada@example.com"} and a
// manifest.json written last.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { TerminalError, workflow } from "steplog";

async function* readRows(file, from, to) {
  let n = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    if (n >= to) break;
    if (n++ >= from) yield JSON.parse(line);
  }
  lines.close();
}

function reshape(row) {
  if (typeof row.email !== "string" || !row.email.includes("@")) throw new TerminalError(`row ${row.id}: invalid email ${JSON.stringify(row.email)}`);
  const [first, ...rest] = String(row.name).trim().split(/\s+/);
  return { id: row.id, first, last: rest.join(" "), email: row.email.trim().toLowerCase() };
}

function writeAtomic(file, text) {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

export const migration = workflow("data-migration", async (ctx, input) => {
  const batchSize = input?.batchSize ?? 1000;
  const work = input?.work ?? path.join(os.tmpdir(), `steplog-migration-${ctx.runId}`);
  const target = path.resolve(input?.target ?? path.join(work, "target"));

  const source = await ctx.step("prepare source", () => {
    if (input?.source) return path.resolve(input.source);
    const file = path.join(work, "source.jsonl");
    fs.mkdirSync(work, { recursive: true });
    const names = ["Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Barbara Liskov", "Ken Thompson"];
    const lines = Array.from({ length: input?.rows ?? 5000 }, (_, i) =>
      JSON.stringify({ id: i + 1, name: names[i % names.length], email: `User${i + 1}@Example.COM` }),
    );
    writeAtomic(file, lines.join("\n") + "\n");
    return file;
  });

  const total = await ctx.step("count rows", async () => {
    let n = 0;
    for await (const _ of readRows(source, 0, Infinity)) n++;
    fs.mkdirSync(target, { recursive: true });
    return n;
  });

  const batches = Math.ceil(total / batchSize);
  for (let b = 0; b < batches; b++) {
    const name = `part-${String(b).padStart(5, "0")}.jsonl`;
    await ctx.step(`batch ${b + 1}/${batches}`, async () => {
      const out = [];
      for await (const row of readRows(source, b * batchSize, (b + 1) * batchSize)) out.push(JSON.stringify(reshape(row)));
      writeAtomic(path.join(target, name), out.join("\n") + "\n");
      return { file: name, rows: out.length };
    });
  }

  return ctx.step("verify and write manifest", () => {
    const ids = new Set();
    let rows = 0;
    for (const file of fs.readdirSync(target).filter((f) => /^part-\d{5}\.jsonl$/.test(f))) {
      for (const line of fs.readFileSync(path.join(target, file), "utf8").split("\n").filter(Boolean)) {
        ids.add(JSON.parse(line).id);
        rows++;
      }
    }
    if (rows !== total || ids.size !== total) throw new TerminalError(`expected ${total} rows, found ${rows} (${ids.size} distinct ids)`);
    writeAtomic(path.join(target, "manifest.json"), JSON.stringify({ source, rows, batches, at: new Date().toISOString() }) + "\n");
    return { target, rows, batches };
  });
});

await migration.main();
