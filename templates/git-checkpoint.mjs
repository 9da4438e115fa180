// steplog template: git-checkpoint
//
// For:        long changes to a working tree (a code migration, an agent editing files, generated docs):
//             after each step the tree is committed as a git checkpoint, so you can see, diff and revert
//             what each step did, and a crashed run resumes after the last completed step.
// Run:        CHECKPOINT_REPO=/path/to/repo node git-checkpoint.mjs
//             or: node git-checkpoint.mjs --input '{"repo":"/path/to/repo"}'   (default: the current directory)
//             The repository must exist (git init) and should be clean; each checkpoint commit carries a
//             "Steplog-Key:" trailer. Review with `git log --oneline`; undo a step with `git revert <sha>`.
// Schedule:   usually run by hand or by an agent loop; from cron, see cron-job.mjs.
// On a crash: rerun the same command: completed tasks and their checkpoints are not redone. A task that was
//             running when the process died runs again on the tree as it was left (write tasks so that
//             running twice is harmless); a checkpoint whose commit was made just before the crash is found
//             by its trailer and not committed twice.
// Exit codes: 0 completed, 30 a task or a commit failed for good (rerun to retry it).
//
// Edit the places marked EDIT.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerminalError, workflow } from "steplog";

// EDIT: the tasks, in order. Each gets the repository path; whatever it returns is journaled.
const TASKS = [
  {
    name: "write plan",
    run: (repo) => {
      fs.writeFileSync(path.join(repo, "PLAN.md"), "# Plan\n\n1. rename config\n2. add changelog entry\n");
      return "PLAN.md";
    },
  },
  {
    name: "rename config",
    run: (repo) => {
      const from = path.join(repo, "config.ini");
      const to = path.join(repo, "settings.ini");
      if (fs.existsSync(from)) fs.renameSync(from, to);
      else if (!fs.existsSync(to)) fs.writeFileSync(to, "[app]\n");
      return "settings.ini";
    },
  },
  {
    name: "add changelog entry",
    run: (repo) => {
      const file = path.join(repo, "CHANGELOG.md");
      const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Changelog\n";
      if (!text.includes("- config.ini renamed to settings.ini")) fs.writeFileSync(file, text + "\n- config.ini renamed to settings.ini\n");
      return "CHANGELOG.md";
    },
  },
];

function git(repo, ...args) {
  return execFileSync("git", ["-C", repo, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { GIT_AUTHOR_NAME: "steplog", GIT_AUTHOR_EMAIL: "steplog@localhost", GIT_COMMITTER_NAME: "steplog", GIT_COMMITTER_EMAIL: "steplog@localhost", ...process.env },
  }).trim();
}

// Commits everything as one checkpoint, unless a commit with this key already exists (a crash after the commit).
function checkpoint(repo, message, idempotencyKey) {
  const trailer = `Steplog-Key: ${idempotencyKey}`;
  const existing = git(repo, "log", "-n", "50", "--format=%H %(trailers:key=Steplog-Key,valueonly,separator=)", "--all").split("\n")
    .find((line) => line.endsWith(` ${idempotencyKey}`));
  if (existing) return existing.split(" ")[0];
  git(repo, "add", "--all");
  git(repo, "commit", "--allow-empty", "--no-verify", "-m", message, "-m", trailer);
  return git(repo, "rev-parse", "HEAD");
}

export const migrate = workflow("git-checkpoint", async (ctx, input) => {
  const repo = await ctx.step("open repository", () => {
    const dir = path.resolve(input?.repo ?? process.env.CHECKPOINT_REPO ?? ".");
    try {
      return git(dir, "rev-parse", "--show-toplevel");
    } catch {
      throw new TerminalError(`${dir} is not a git repository (run git init there, or set CHECKPOINT_REPO)`);
    }
  });

  const commits = [];
  for (const task of TASKS) {
    const changed = await ctx.step(task.name, () => task.run(repo));
    const sha = await ctx.step(`checkpoint: ${task.name}`, ({ idempotencyKey }) =>
      checkpoint(repo, `steplog: ${task.name}`, idempotencyKey),
    );
    commits.push({ task: task.name, changed, sha });
  }
  return { repo, commits };
});

await migrate.main();
