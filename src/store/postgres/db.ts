/**
 * The store's connection to PostgreSQL: a pool, the schema name, migrations applied once before the first
 * statement, and every failure turned into a PersistenceError.
 */
import pg from "pg";
import { checkConnectionString, describeTarget, persistenceErrorOf } from "./connection-error.js";
import { migrate } from "./migrate.js";
import type { ResolvedPostgresOptions } from "./options.js";

/** A statement with a stable name, prepared once per connection. */
export interface Statement {
  name: string;
  text: string;
}

/** The pool, the schema and the statements of one store. */
export class Db {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** `host:port/database`, for messages. */
  readonly target: string;
  private readonly ownsPool: boolean;
  private ready: Promise<void> | undefined;
  private readonly statements = new Map<string, Statement>();

  constructor(readonly options: ResolvedPostgresOptions) {
    this.schema = options.schema;
    this.target = describeTarget(options.connectionString);
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      checkConnectionString(options.connectionString!);
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        connectionTimeoutMillis: options.connectTimeoutMs,
        max: options.maxConnections,
        allowExitOnIdle: true,
      });
      this.ownsPool = true;
    }
    // An idle connection that breaks is reported by the next statement; without a listener it would crash.
    this.pool.on("error", () => undefined);
  }

  /** Client settings a dedicated connection (LISTEN) needs. */
  clientConfig(): pg.ClientConfig {
    return this.options.connectionString !== undefined
      ? { connectionString: this.options.connectionString, connectionTimeoutMillis: this.options.connectTimeoutMs }
      : (this.pool as unknown as { options: pg.ClientConfig }).options;
  }

  /** A statement of this schema: `build` receives the quoted schema name. Named, so prepared once per connection. */
  statement(id: string, build: (schema: string) => string): Statement {
    let statement = this.statements.get(id);
    if (statement === undefined) {
      statement = { name: `steplog_${this.schema}_${id}`, text: build(`"${this.schema}"`) };
      this.statements.set(id, statement);
    }
    return statement;
  }

  /** Applies pending migrations (once per store). */
  migrate(): Promise<void> {
    this.ready ??= migrate(this.pool, this.schema).then(() => undefined, (error: unknown) => {
      this.ready = undefined;
      throw persistenceErrorOf(error, "migration", this.target);
    });
    return this.ready;
  }

  /** Runs one statement; `operation` names it in error messages. */
  async query<R extends pg.QueryResultRow>(operation: string, statement: Statement, values: unknown[] = []): Promise<R[]> {
    await this.migrate();
    try {
      const result = await this.pool.query<R>({ name: statement.name, text: statement.text, values });
      return result.rows;
    } catch (error) {
      throw persistenceErrorOf(error, operation, this.target);
    }
  }

  /** Runs `fn` in one transaction on one connection. */
  async transaction<T>(operation: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.migrate();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw persistenceErrorOf(error, operation, this.target);
    }
    try {
      await client.query("begin");
      const result = await fn(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      throw persistenceErrorOf(error, operation, this.target);
    } finally {
      client.release();
    }
  }

  async end(): Promise<void> {
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
  }
}
