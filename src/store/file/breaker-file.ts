/**
 * The file store's breaker states: `<dir>/breakers.json`, replaced atomically on every save.
 */
import { fs } from "../../builtins.js";
import type { BreakerState, BreakerStore } from "../store.js";
import { ensureDir, writeFileAtomic, type Layout } from "./layout.js";

/** Breaker states kept in one JSON file shared by the processes using the state directory. */
export class FileBreakerStore implements BreakerStore {
  constructor(private readonly layout: Layout) {}

  async list(): Promise<Record<string, BreakerState>> {
    try {
      const fd = fs.openSync(this.layout.breakersFile, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const parsed: unknown = JSON.parse(fs.readFileSync(fd, "utf8"));
        return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, BreakerState>) : {};
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return {};
    }
  }

  async load(name: string): Promise<BreakerState | undefined> {
    const all = await this.list();
    return Object.hasOwn(all, name) ? all[name] : undefined;
  }

  async save(name: string, state: BreakerState): Promise<void> {
    ensureDir(this.layout.root, this.layout.root);
    const all = await this.list();
    const next: Record<string, BreakerState> = Object.create(null);
    Object.assign(next, all);
    next[name] = state;
    writeFileAtomic(this.layout.breakersFile, JSON.stringify(next), false);
  }
}
