/**
 * Turning `pg` failures into PersistenceErrors with a message that says what to check, without the password.
 */
import { PersistenceError, SteplogError, messageOf } from "../../errors.js";

/** SQLSTATE classes that mean "could not talk to the server" rather than "the statement failed". */
const CONNECTION_CLASSES = ["08", "28", "3D", "57P"];

/** True when the error says the server could not be reached or refused the session. */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return true;
  if (/^E[A-Z]+$/.test(code)) return true;
  return CONNECTION_CLASSES.some((prefix) => code.startsWith(prefix));
}

/** `host:port/database` of a connection string, never its password. */
export function describeTarget(connectionString: string | undefined): string {
  if (connectionString === undefined) return "the given pool";
  try {
    const url = new URL(connectionString);
    return `${url.hostname || "localhost"}:${url.port || "5432"}${url.pathname || "/"}`;
  } catch {
    return "(unparsable connection string)";
  }
}

/**
 * Checks that a connection string looks like `postgres://…` (or `postgresql://…`) before `pg` guesses at it.
 *
 * @example
 * ```ts
 * checkConnectionString("postgres://app@db:5432/app"); // ok
 * checkConnectionString("db:5432");                    // throws PersistenceError
 * ```
 */
export function checkConnectionString(connectionString: string): void {
  let ok = false;
  try {
    const url = new URL(connectionString);
    ok = url.protocol === "postgres:" || url.protocol === "postgresql:";
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new PersistenceError(
      "invalid PostgreSQL connection string: expected postgres://user[:password]@host[:port]/database (check STEPLOG_DATABASE_URL or --database-url)",
    );
  }
}

/** The PersistenceError for a failed query or connection. */
export function persistenceErrorOf(error: unknown, operation: string, target: string): PersistenceError {
  if (error instanceof SteplogError) return error as PersistenceError;
  const message = messageOf(error);
  if (isConnectionFailure(error)) {
    return new PersistenceError(`cannot connect to PostgreSQL at ${target} (${operation}): ${message}`, { cause: error });
  }
  const code = (error as { code?: string }).code;
  return new PersistenceError(`PostgreSQL ${operation} failed at ${target}: ${message}${code ? ` (SQLSTATE ${code})` : ""}`, { cause: error });
}
