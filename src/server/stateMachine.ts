/**
 * The RTSP session state machine as a table (RFC 2326 Appendix A, server
 * side): every state × method cell says what happens. "init" is a request
 * with no session yet. Session lookup (454) comes before this table.
 */
import type { SessionState } from "../protocol/rtsp/vocabulary.js"

export type { SessionState }

export const SUPPORTED_METHODS = ["OPTIONS", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "RECORD", "PAUSE", "TEARDOWN", "GET_PARAMETER"] as const
export type SupportedMethod = (typeof SUPPORTED_METHODS)[number]

export const isSupportedMethod = (method: string): method is SupportedMethod =>
  (SUPPORTED_METHODS as ReadonlyArray<string>).includes(method)

/** What a request does to the session: move it (or keep it) in a state, end it, or be refused with 455. */
export type Transition =
  | { readonly _tag: "Stay" }
  | { readonly _tag: "MoveTo"; readonly state: SessionState }
  | { readonly _tag: "End" }
  | { readonly _tag: "NotValidInState" }

const stay: Transition = { _tag: "Stay" }
const moveTo = (state: SessionState): Transition => ({ _tag: "MoveTo", state })
const end: Transition = { _tag: "End" }
const refuse: Transition = { _tag: "NotValidInState" }

export const transitions: Readonly<Record<SessionState, Readonly<Record<SupportedMethod, Transition>>>> = {
  init: {
    OPTIONS: stay, DESCRIBE: stay, GET_PARAMETER: stay,
    // ANNOUNCE is about a path, not a session: it comes before any SETUP.
    ANNOUNCE: stay,
    SETUP: moveTo("ready"),
    PLAY: refuse, RECORD: refuse, PAUSE: refuse, TEARDOWN: refuse
  },
  ready: {
    OPTIONS: stay, DESCRIBE: stay, GET_PARAMETER: stay,
    ANNOUNCE: refuse,
    // A second SETUP in READY changes the transport.
    SETUP: stay,
    // PLAY for sessions set up to play, RECORD for those set up with mode=record (the handler tells them apart).
    PLAY: moveTo("playing"),
    RECORD: moveTo("recording"),
    PAUSE: refuse,
    TEARDOWN: end
  },
  playing: {
    OPTIONS: stay, DESCRIBE: stay, GET_PARAMETER: stay,
    ANNOUNCE: refuse,
    // Changing the transport while packets flow is refused, as RFC 2326 allows.
    SETUP: refuse,
    // A second PLAY is tolerated (with a Range it seeks).
    PLAY: stay,
    RECORD: refuse,
    PAUSE: moveTo("ready"),
    TEARDOWN: end
  },
  recording: {
    OPTIONS: stay, DESCRIBE: stay, GET_PARAMETER: stay,
    ANNOUNCE: refuse,
    SETUP: refuse,
    PLAY: refuse,
    // A second RECORD changes nothing.
    RECORD: stay,
    PAUSE: moveTo("ready"),
    TEARDOWN: end
  }
}

export const transition = (state: SessionState, method: SupportedMethod): Transition => transitions[state][method]

/** Methods valid in a state: the Allow header of a 455 answer. */
export const allowedIn = (state: SessionState): ReadonlyArray<SupportedMethod> =>
  SUPPORTED_METHODS.filter((method) => transitions[state][method]._tag !== "NotValidInState")
