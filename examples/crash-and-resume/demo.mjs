// `npm run demo`: runs a 10-step workflow, SIGKILLs it after step 4, runs it again, and shows that the rerun
// replays steps 1-4 from the journal and executes only the rest. Uses a fresh state directory under the OS
// temp dir; nothing else is needed (no server, no database).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, "workflow.mjs");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplog-demo-"));
const bold = process.stdout.isTTY && !process.env.NO_COLOR ? (text) => `\x1b[1m${text}\x1b[0m` : (text) => text;
const say = (text) => process.stdout.write(`\n${bold(`== ${text}`)}\n`);

function run(args, { killAfterStep } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, STEPLOG_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let completed = 0;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => {
      process.stdout.write(d);
      completed += (String(d).match(/✓/g) ?? []).length;
      if (killAfterStep !== undefined && completed >= killAfterStep && child.exitCode === null && !child.killed) {
        process.stdout.write(`\n   >>> kill -9 ${child.pid} (simulating a crash after ${completed} steps)\n`);
        child.kill("SIGKILL");
      }
    });
    child.on("close", (code, signal) => resolve({ code, signal, out }));
  });
}

say(`first run: node workflow.mjs --input '{"batches":10}' (state in ${dir})`);
const first = await run(["--input", '{"batches":10}'], { killAfterStep: 4 });
say(`the process died (${first.signal ?? `exit ${first.code}`}). Same command again, without --input:`);
const second = await run([]);
say(`second run exited ${second.code}; result on stdout:`);
process.stdout.write(second.out);
say("the journal of that run (one JSON line per record):");
const runsDir = path.join(dir, "runs", "nightly-report");
const journal = fs.readdirSync(runsDir).find((f) => /^[0-9A-Z]{26}\.jsonl$/.test(f));
const lines = fs.readFileSync(path.join(runsDir, journal), "utf8").trim().split("\n");
for (const line of lines.slice(0, 4)) process.stdout.write(`  ${line.length > 140 ? line.slice(0, 140) + "…" : line}\n`);
process.stdout.write(`  … ${lines.length} lines in ${path.join(runsDir, journal)}\n`);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(second.code === 0 ? 0 : 1);
