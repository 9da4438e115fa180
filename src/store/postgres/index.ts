/**
 * `steplog/postgres`: the PostgreSQL store, workers, enqueueing, migrations and store selection. The only
 * module that loads `pg` (an optional peer dependency): `import "steplog"` never does.
 */
export { createPostgresStore, PostgresStore } from "./postgres-store.js";
export type { PostgresStoreOptions } from "./options.js";
export { migrate, latestVersion } from "./migrate.js";
export { createWorker, type Worker, type WorkerOptions, type AnyWorkflow } from "./worker.js";
export { enqueueRun, type EnqueueOptions, type EnqueuedRun } from "./enqueue.js";
export { storeFromOptions, type StoreSelection } from "./select-store.js";
export { exportRun, type ExportedRun } from "../transfer.js";
