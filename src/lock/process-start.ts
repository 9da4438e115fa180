/**
 * What tells a process apart beyond its pid, read from /proc on Linux: its start time (so a recycled pid is not
 * mistaken for the process that took a lock), whether it is a zombie, the boot it belongs to and its pid
 * namespace. Where /proc is missing every reading is `undefined`, and liveness rests on `process.kill(pid, 0)`.
 */
import { fs, os } from "../builtins.js";

/** This process as an owner record names it. Fields that cannot be read on this platform are `undefined`. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  /** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process start. */
  startTime: string | undefined;
  /** /proc/sys/kernel/random/boot_id: changes at every boot. */
  bootId: string | undefined;
  /** The pid namespace, such as `pid:[4026531836]`: pids of other namespaces cannot be checked from here. */
  pidNamespace: string | undefined;
}

/** What `probeProcess` learned: gone for sure, or present with its start time when that is readable. */
export type ProcessProbe = { running: false } | { running: true; startTime: string | undefined };

let cachedIdentity: ProcessIdentity | undefined;

/**
 * This process's identity, read once.
 *
 * @example
 * ```ts
 * const me = currentProcessIdentity(); // { pid: 4242, host: "build-1", startTime: "91234", ... }
 * ```
 */
export function currentProcessIdentity(): ProcessIdentity {
  if (cachedIdentity?.pid !== process.pid) {
    const stat = readStat(process.pid);
    cachedIdentity = {
      pid: process.pid,
      host: os.hostname(),
      startTime: stat === "gone" ? undefined : stat?.startTime,
      bootId: readTrimmed(() => fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8")),
      pidNamespace: readTrimmed(() => fs.readlinkSync("/proc/self/ns/pid")),
    };
  }
  return cachedIdentity;
}

/**
 * Whether a pid of this host and pid namespace is running: `process.kill(pid, 0)` (ESRCH is gone, EPERM is
 * running under another user), then /proc for its state (a zombie is gone) and its start time.
 *
 * @example
 * ```ts
 * const probe = probeProcess(owner.pid);
 * const same = probe.running && probe.startTime === owner.startTime;
 * ```
 */
export function probeProcess(pid: number): ProcessProbe {
  let signalable = true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return { running: false };
    signalable = false;
  }
  const stat = readStat(pid);
  // A process of another user may be hidden from /proc (mount option hidepid): absent there is not gone.
  if ((stat === "gone" && signalable) || (stat !== "gone" && stat?.zombie)) return { running: false };
  return { running: true, startTime: stat === "gone" ? undefined : stat?.startTime };
}

/** Fields of /proc/<pid>/stat; "gone" when /proc has no such pid; undefined when /proc cannot be read. */
function readStat(pid: number): { startTime: string; zombie: boolean } | "gone" | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" && fs.existsSync("/proc/self/stat") ? "gone" : undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  return { startTime, zombie: state === "Z" || state === "X" };
}

function readTrimmed(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}
