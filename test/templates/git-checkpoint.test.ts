import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { runFile, runIds, tempDir } from "../fixtures/docs/run.js";

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const gitEnv = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };
const git = (repo: string, ...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", env: { ...process.env, ...gitEnv } }).trim();

function setup(): { repo: string; state: string } {
  const t = tempDir();
  cleanup = t.remove;
  const repo = path.join(t.dir, "repo");
  fs.mkdirSync(repo);
  git(repo, "init", "-q");
  fs.writeFileSync(path.join(repo, "config.ini"), "[app]\nname=demo\n");
  git(repo, "add", "--all");
  git(repo, "commit", "-qm", "initial");
  return { repo, state: path.join(t.dir, "state") };
}

it("commits one checkpoint per task in the repository given by CHECKPOINT_REPO", async () => {
  const { repo, state } = setup();
  const ran = await runFile("templates/git-checkpoint.mjs", [], { env: { STEPLOG_DIR: state, CHECKPOINT_REPO: repo } });
  expect(ran.code).toBe(0);
  const result = JSON.parse(ran.stdout) as { repo: string; commits: { task: string; sha: string }[] };
  expect(fs.realpathSync(result.repo)).toBe(fs.realpathSync(repo));
  expect(git(repo, "log", "--format=%s").split("\n")).toEqual(["steplog: add changelog entry", "steplog: rename config", "steplog: write plan", "initial"]);
  expect(result.commits.map((c) => c.sha)).toEqual(git(repo, "log", "-n", "3", "--format=%H").split("\n").reverse());
  expect(git(repo, "show", "--no-renames", "--name-status", "--format=", result.commits[1]!.sha).split("\n").sort()).toEqual(["A\tsettings.ini", "D\tconfig.ini"]);
  expect(git(repo, "status", "--porcelain")).toBe("");
});

it("resumes after SIGKILL without redoing completed tasks or checkpoints", async () => {
  const { repo, state } = setup();
  const first = await runFile("templates/git-checkpoint.mjs", ["--input", JSON.stringify({ repo }), "--log", "plain"], {
    env: { STEPLOG_DIR: state },
    killWhen: /✓ checkpoint: write plan/,
  });
  expect(first.signal).toBe("SIGKILL");
  const second = await runFile("templates/git-checkpoint.mjs", [], { env: { STEPLOG_DIR: state } });
  expect(second.code).toBe(0);
  expect(second.stderr).toContain("↺ checkpoint: write plan (replayed)");
  const subjects = git(repo, "log", "--format=%s").split("\n");
  expect(subjects).toEqual(["steplog: add changelog entry", "steplog: rename config", "steplog: write plan", "initial"]);
});

it("a checkpoint committed just before a crash (no record yet) is found by its trailer, not committed twice", async () => {
  const { repo, state } = setup();
  const env = { STEPLOG_DIR: state, CHECKPOINT_REPO: repo };
  const done = await runFile("templates/git-checkpoint.mjs", [], { env });
  expect(done.code).toBe(0);
  const [runId] = runIds(state, "git-checkpoint");
  // Cut the journal back to where a crash after the commit, before its record was durable, leaves it.
  const file = path.join(state, "runs", "git-checkpoint", `${runId}.jsonl`);
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  const cut = lines.findIndex((l) => { const r = JSON.parse(l); return r.type === "step" && r.key === "checkpoint: add changelog entry"; });
  expect(cut).toBeGreaterThan(0);
  fs.writeFileSync(file, lines.slice(0, cut).join("\n") + "\n");
  const head = git(repo, "rev-parse", "HEAD");

  const rerun = await runFile("templates/git-checkpoint.mjs", ["--run-id", runId!], { env });
  expect(rerun.code).toBe(0);
  expect(rerun.stderr).toContain(`run ${runId} resumed`);
  expect(rerun.stderr).toMatch(/✓ checkpoint: add changelog entry/);
  expect(git(repo, "rev-parse", "HEAD")).toBe(head);
  expect(JSON.parse(rerun.stdout).commits[2].sha).toBe(head);
  expect(git(repo, "rev-list", "--count", "HEAD")).toBe("4");
});

it("fails for good (exit 30) when the directory is not a git repository", async () => {
  const t = tempDir();
  cleanup = t.remove;
  const ran = await runFile("templates/git-checkpoint.mjs", [], { env: { STEPLOG_DIR: path.join(t.dir, "state"), CHECKPOINT_REPO: t.dir } });
  expect(ran.code).toBe(30);
  expect(ran.stderr).toContain("is not a git repository");
});
