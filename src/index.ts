/**
 * steplog: durable functions for Node.js. The public API; everything else is internal.
 */
export { workflow, type Workflow } from "./workflow.js";
export { createEngine, type Engine, type EngineOptions, type StartOptions, type RunHandle, type RunDetails, type ResumeAllOptions } from "./engine/engine.js";
export type { ForkOptions } from "./run/fork.js";
export type {
  WorkflowContext, StepContext, WaitForEventOptions, StandardSchemaLike, StandardResult, MapOptions, MapResult, ChildOptions,
} from "./context.js";
export type { StepOptions, WorkflowOptions, RunOptions } from "./options.js";
export type { MainOptions } from "./main/main-options.js";
export type { RetryOptions, BreakerOptions } from "./policies/options.js";
export type { Clock, RandomSource } from "./clock.js";
export type { RunEvent, RunEventType, RunEventMap, RunEventListener, WaitInfo } from "./events.js";
export type { Envelope } from "./main/envelope.js";
export type { Durability } from "./journal/writer.js";
export type {
  Store, RunSummary, RunStatus, LoadedRun, RunFilter, DeadLetterEntry, DeadLetterQueue, BreakerState, InboxMessage,
  OnLocked,
} from "./store/store.js";
export { createFileStore, type FileStoreOptions } from "./store/file/file-store.js";
export { ExitCode, type ExitCodeValue } from "./exit-codes.js";
export type { AlertOptions, AlertKind } from "./report/alerts.js";
export {
  SteplogError, TerminalError, RetryableError, StepTimeoutError, CircuitOpenError, StepResultNotSerializableError,
  StepOutputTooLargeError, StepFailedError, JournalCorruptError, PersistenceError, NonDeterminismError, UsageError,
  LockHeldError, LockLostError, RunCancelledError, EventTimeoutError, InternalError,
  type SteplogErrorOptions, type RetryableErrorOptions,
} from "./errors.js";
