/**
 * What the primary and its workers say to each other over the cluster's IPC channel
 * (structured clone: the primary forks with serialization "advanced", so NaN and
 * Infinity in a metrics snapshot survive).
 */
import type { ExpositionSnapshot } from "../Metrics.js"

/** What a worker reports once it listens. */
export interface WorkerReadyInfo {
  readonly pid: number
  /** The RTSP port, shared by every worker through the primary. */
  readonly port: number
  /** The worker's own RTP/RTCP pair, the one its SETUP replies announce. */
  readonly rtpPort: number
  readonly rtcpPort: number
  /** How its RTP leaves (describeSendPath). */
  readonly udpSendPath: string
}

/**
 * Stopping is not a message: the primary sends SIGTERM, which a worker still loading its modules
 * cannot miss (a message sent before it listens is dropped).
 */
export type PrimaryMessage = { readonly _tag: "MetricsRequest"; readonly id: number }

export type WorkerMessage =
  | { readonly _tag: "Ready"; readonly info: WorkerReadyInfo }
  /** Sent just before a worker that could not start exits. */
  | { readonly _tag: "StartFailed"; readonly message: string }
  | { readonly _tag: "MetricsReply"; readonly id: number; readonly snapshot: ExpositionSnapshot }

const PRIMARY_TAGS: ReadonlySet<unknown> = new Set<PrimaryMessage["_tag"]>(["MetricsRequest"])
const WORKER_TAGS: ReadonlySet<unknown> = new Set<WorkerMessage["_tag"]>(["Ready", "StartFailed", "MetricsReply"])

const tagOf = (message: unknown): unknown =>
  typeof message === "object" && message !== null && "_tag" in message ? message._tag : undefined

// The tag is checked, the rest trusted: both ends are this build, forked by its own primary.
export const isPrimaryMessage = (message: unknown): message is PrimaryMessage => PRIMARY_TAGS.has(tagOf(message))
export const isWorkerMessage = (message: unknown): message is WorkerMessage => WORKER_TAGS.has(tagOf(message))
