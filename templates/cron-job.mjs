// steplog template: cron-job
//
// For:        a recurring job (nightly export, hourly sync) started by cron or a systemd timer, that must not
//             run twice at once, must finish what a crashed run started, and must tell someone when it fails.
// Run:        node cron-job.mjs
//             `--input '{"day":"2026-11-22"}'` picks the day (default: today, fixed when the run starts).
// Schedule:   crontab -e, then (every night at 02:15; cron's working directory does not matter, state lives
//             in .steplog/ beside this file):
//
//               15 2 * * * STEPLOG_NTFY_URL=https://ntfy.sh/my-topic /usr/bin/node /srv/jobs/cron-job.mjs >> /var/log/cron-job.log 2>&1
//
//             or a systemd timer, /etc/systemd/system/cron-job.service:
//
//               [Unit]
//               Description=nightly export (steplog)
//               [Service]
//               Type=oneshot
//               WorkingDirectory=/srv/jobs
//               Environment=STEPLOG_NTFY_URL=https://ntfy.sh/my-topic
//               ExecStart=/usr/bin/node /srv/jobs/cron-job.mjs
//               # 40 = waiting (suspended on a long sleep or an event): not a failure
//               SuccessExitStatus=40
//
//             and /etc/systemd/system/cron-job.timer, enabled with `systemctl enable --now cron-job.timer`:
//
//               [Unit]
//               Description=run cron-job nightly
//               [Timer]
//               OnCalendar=*-*-* 02:15:00
//               Persistent=true
//               [Install]
//               WantedBy=timers.target
//
// Overlap:    the run holds a lock on (workflow, key). A start while another process runs the job logs
//             "already running (pid N ...); skipped" and exits 0 (onLocked: "skip" below).
// On a crash: the next start resumes the unfinished run with its recorded input: completed steps are not
//             run again. A run whose step failed for good (exit 30, dead-lettered) is retried by the next
//             start too. A lock left by a killed process is taken over at once (its pid is dead).
// Alerts:     set any of STEPLOG_NTFY_URL (+ STEPLOG_NTFY_TOKEN), STEPLOG_WEBHOOK_URL,
//             STEPLOG_TELEGRAM_BOT_TOKEN + STEPLOG_TELEGRAM_CHAT_ID; a failed run or a dead-lettered step sends
//             an alert (STEPLOG_ALERT_TIMEOUT_MS bounds each delivery, default 5000).
// Exit codes: 0 done or skipped, 30 a step failed for good, 40 waiting, 60 journal or disk problem.
//
// Edit the places marked EDIT.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { workflow } from "steplog";

// EDIT: where the job writes its output.
const OUT_DIR = process.env.CRON_JOB_OUT_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "out");

export const nightly = workflow("cron-job", async (ctx, input) => {
  // ctx.now() is journaled: a resumed run sees the same "today" as the run that started.
  const day = input?.day ?? new Date(await ctx.now()).toISOString().slice(0, 10);

  // EDIT: your job's steps.
  const rows = await ctx.step("extract", () => [
    { day, item: "apples", count: 3 },
    { day, item: "pears", count: 5 },
  ]);
  const total = await ctx.step("transform", () => rows.reduce((sum, row) => sum + row.count, 0));
  const file = await ctx.step("load", () => {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const target = path.join(OUT_DIR, `${day}.json`);
    // Write to a temporary name and rename: a step that runs again after a crash leaves no half-written file.
    fs.writeFileSync(`${target}.tmp`, JSON.stringify({ day, rows, total }) + "\n");
    fs.renameSync(`${target}.tmp`, target);
    return target;
  });
  return { day, total, file };
});

// EDIT: "skip" (cron-friendly, exit 0), "wait" for the other process, or "fail" (exit 70).
await nightly.main({ onLocked: "skip" });
