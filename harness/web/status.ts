/**
 * The web player's page-session state as the page sees it: which buttons the RTSP state allows,
 * and the status message pushed to the page (and returned by every action). Pure data.
 */
import type { Dialect, SessionState, TransportKind } from "../../src/protocol/rtsp/vocabulary.js"

/** The RTSP states the buttons follow; "closed" (after TEARDOWN) is INIT again for them. */
export type PageState = Exclude<SessionState, "recording">
export type PageAction = "setup" | "play" | "pause" | "teardown"

/** Setup in INIT; Play in READY; Pause in PLAYING; Teardown once set up. Nothing while a request runs. */
export const allowedActions = (state: PageState, busy: boolean): ReadonlyArray<PageAction> => {
  if (busy) return []
  switch (state) {
    case "init":
      return ["setup"]
    case "ready":
      return ["play", "teardown"]
    case "playing":
      return ["pause", "teardown"]
  }
}

export interface PageStatus {
  readonly type: "status"
  readonly state: PageState
  /** An action is running: the page keeps every button off. */
  readonly busy: boolean
  readonly allowed: ReadonlyArray<PageAction>
  readonly url?: string
  readonly transport?: TransportKind
  readonly dialect?: Dialect
  readonly sessionId?: string
  /** Why UDP was given up for TCP, when it was. */
  readonly fallback?: string
  /** The primary track's codec ("JPEG", "H264", ...), once set up: the page draws JPEG only, and shows any other as figures. */
  readonly codec?: string
  /** Frames received since SETUP. */
  readonly frames: number
  readonly fps: number
  readonly jitterMs: number
  readonly packetsLost: number
  readonly lossPct: number
  readonly startupMs?: number
  /** The wire text of the last RTSP request and its response. */
  readonly lastRequest?: string
  readonly lastResponse?: string
  readonly intervalsMs: ReadonlyArray<number>
  /** The last action's failure, in words; cleared when the next action starts. */
  readonly error?: string
}

/** A binary frame message: the 0-based frame index (uint32 BE), then the JPEG. */
export const frameMessage = (index: number, jpeg: Uint8Array): Buffer => {
  const header = Buffer.allocUnsafe(4)
  header.writeUInt32BE(index >>> 0, 0)
  return Buffer.concat([header, jpeg])
}
