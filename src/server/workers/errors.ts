import { Data } from "effect"

/** Why `serve --workers N` could not start or went on no longer. */
export class ClusterError extends Data.TaggedError("ClusterError")<{
  readonly reason: "Ports" | "WorkerStart" | "AllWorkersFailed" | "Stop"
  readonly message: string
}> {}
