/**
 * Recovery: reads a journal, verifies every line's chained checksum and the record rules, discards and reports
 * a torn last line, and refuses anything else with JournalCorruptError naming file and line.
 */
import { fs } from "../builtins.js";
import { JournalCorruptError, PersistenceError, messageOf } from "../errors.js";
import { unframeLines } from "./codec.js";
import { RecordIndex, attachIndex } from "./record-index.js";
import { JOURNAL_VERSION, type JournalRecord, type RunHeader } from "./records.js";
import { openError } from "./file-io.js";

/** A journal as read from disk. */
export interface ReadJournal {
  file: string;
  header: RunHeader;
  records: JournalRecord[];
  /** End of the last good line: where the next append goes. */
  validBytes: number;
  /** Chain value of the last good line. */
  lastCrc: number;
  /** Set when an incomplete last line was found (and will be cut off on the next append). */
  tornTail?: { line: number; bytes: number };
}

/** Opens a file for reading without following a symlink; PersistenceError names a link or other failure. */
function openNoFollow(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (error) {
    throw openError(file, error);
  }
}

/** Reads the whole file without following a symlink. */
export function readFileNoFollow(file: string): Buffer {
  const fd = openNoFollow(file);
  try {
    return fs.readFileSync(fd);
  } catch (error) {
    throw new PersistenceError(`cannot read ${file}: ${messageOf(error)}`, { cause: error });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Bytes read at a time: a large journal is never held whole in memory next to its parsed records, and each chunk
 * stays in the CPU cache while its lines are found, checksummed, decoded and parsed (several passes over it).
 */
const CHUNK_BYTES = 256 << 10;

/** Reads and verifies a journal file. */
export function readJournal(file: string): ReadJournal {
  const fd = openNoFollow(file);
  try {
    const parser = new JournalParser(file);
    let buffer: Buffer;
    try {
      buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, fs.fstatSync(fd).size + 1));
    } catch (error) {
      throw new PersistenceError(`cannot read ${file}: ${messageOf(error)}`, { cause: error });
    }
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) {
        // A line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      let n: number;
      try {
        n = fs.readSync(fd, buffer, filled, buffer.length - filled, null);
      } catch (error) {
        throw new PersistenceError(`cannot read ${file}: ${messageOf(error)}`, { cause: error });
      }
      if (n === 0) return parser.finish(filled);
      filled += n;
      const used = parser.lines(buffer, filled);
      if (used > 0) {
        buffer.copy(buffer, 0, used, filled);
        filled -= used;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Verifies and parses journal bytes (exported for tools that read journals from elsewhere). */
export function parseJournal(file: string, bytes: Buffer): ReadJournal {
  const parser = new JournalParser(file);
  const used = parser.lines(bytes, bytes.length);
  return parser.finish(bytes.length - used);
}

/**
 * Verifies and parses a journal's lines as they are read, and indexes the records for replay in the same pass.
 * Works a chunk at a time: never a second copy of a large journal (the whole file decoded into one string).
 */
class JournalParser {
  private header: RunHeader | undefined;
  private crc = 0;
  private lineNo = 0;
  private validBytes = 0;
  private readonly index: RecordIndex;

  constructor(private readonly file: string) {
    this.index = new RecordIndex(file);
  }

  /** Takes every complete line of `bytes[0..size)`; returns how many bytes they span. */
  lines(bytes: Buffer, size: number): number {
    const { file, index } = this;
    let lineNo = this.lineNo;
    let taken;
    try {
      taken = unframeLines(bytes, size, this.crc, (value) => {
        lineNo++;
        if (this.header === undefined) this.header = checkHeader(file, value);
        else index.check(value, lineNo);
      });
    } finally {
      this.lineNo = lineNo;
    }
    if (taken.problem !== undefined) throw new JournalCorruptError(file, lineNo + 1, taken.problem);
    this.crc = taken.crc;
    this.validBytes += taken.used;
    return taken.used;
  }

  /** Ends the journal; `rest` bytes without a newline are its torn last line. */
  finish(rest: number): ReadJournal {
    const { file, header } = this;
    const tornTail: ReadJournal["tornTail"] = rest > 0 ? { line: this.lineNo + 1, bytes: rest } : undefined;
    if (header === undefined) {
      if (tornTail) throw new JournalCorruptError(file, 1, "the header line is incomplete (the run was interrupted while it was being created)");
      throw new JournalCorruptError(file, 1, "the file is empty");
    }
    attachIndex(this.index);
    const out: ReadJournal = { file, header, records: this.index.records, validBytes: this.validBytes, lastCrc: this.crc };
    if (tornTail) out.tornTail = tornTail;
    return out;
  }
}

function checkHeader(file: string, value: Record<string, unknown>): RunHeader {
  if (value.type !== "run") throw new JournalCorruptError(file, 1, "the first line is not a run header");
  if (value.v !== JOURNAL_VERSION) {
    const reason = typeof value.v === "number" && value.v > JOURNAL_VERSION
      ? `journal format version ${value.v} is newer than this steplog reads (${JOURNAL_VERSION}); upgrade steplog`
      : `unknown journal format version ${JSON.stringify(value.v)} (this steplog reads ${JOURNAL_VERSION})`;
    throw new JournalCorruptError(file, 1, reason);
  }
  if (typeof value.runId !== "string" || typeof value.workflow !== "string" || typeof value.key !== "string") {
    throw new JournalCorruptError(file, 1, "the header lacks runId, workflow or key");
  }
  return value as unknown as RunHeader;
}
