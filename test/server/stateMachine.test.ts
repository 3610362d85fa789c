import { describe, expect, it } from "@effect/vitest"
import { SESSION_STATES } from "../../src/protocol/rtsp/vocabulary.js"
import {
  allowedIn,
  isSupportedMethod,
  SUPPORTED_METHODS,
  transition,
  transitions,
  type SessionState,
  type SupportedMethod,
  type Transition
} from "../../src/server/stateMachine.js"

const stay: Transition = { _tag: "Stay" }
const moveTo = (state: SessionState): Transition => ({ _tag: "MoveTo", state })
const end: Transition = { _tag: "End" }
const refuse: Transition = { _tag: "NotValidInState" }

/** RFC 2326 Appendix A (server side), every cell spelled out: state × method → transition. */
const expected: ReadonlyArray<readonly [SessionState, SupportedMethod, Transition]> = [
  ["init", "OPTIONS", stay],
  ["init", "DESCRIBE", stay],
  ["init", "ANNOUNCE", stay],
  ["init", "SETUP", moveTo("ready")],
  ["init", "PLAY", refuse],
  ["init", "RECORD", refuse],
  ["init", "PAUSE", refuse],
  ["init", "TEARDOWN", refuse],
  ["init", "GET_PARAMETER", stay],

  ["ready", "OPTIONS", stay],
  ["ready", "DESCRIBE", stay],
  ["ready", "ANNOUNCE", refuse],
  ["ready", "SETUP", stay],
  ["ready", "PLAY", moveTo("playing")],
  ["ready", "RECORD", moveTo("recording")],
  ["ready", "PAUSE", refuse],
  ["ready", "TEARDOWN", end],
  ["ready", "GET_PARAMETER", stay],

  ["playing", "OPTIONS", stay],
  ["playing", "DESCRIBE", stay],
  ["playing", "ANNOUNCE", refuse],
  ["playing", "SETUP", refuse],
  ["playing", "PLAY", stay],
  ["playing", "RECORD", refuse],
  ["playing", "PAUSE", moveTo("ready")],
  ["playing", "TEARDOWN", end],
  ["playing", "GET_PARAMETER", stay],

  ["recording", "OPTIONS", stay],
  ["recording", "DESCRIBE", stay],
  ["recording", "ANNOUNCE", refuse],
  ["recording", "SETUP", refuse],
  ["recording", "PLAY", refuse],
  ["recording", "RECORD", stay],
  ["recording", "PAUSE", moveTo("ready")],
  ["recording", "TEARDOWN", end],
  ["recording", "GET_PARAMETER", stay]
]

describe("stateMachine", () => {
  it("supports exactly the nine methods, in the order Public lists them", () => {
    expect(SUPPORTED_METHODS).toEqual(["OPTIONS", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "RECORD", "PAUSE", "TEARDOWN", "GET_PARAMETER"])
  })

  it("the expected table covers all 4 × 9 cells once", () => {
    expect(expected).toHaveLength(36)
    const cells = new Set(expected.map(([state, method]) => `${state}/${method}`))
    expect(cells.size).toBe(36)
    expect(Object.keys(transitions).sort()).toEqual([...SESSION_STATES].sort())
    expect([...SESSION_STATES].sort()).toEqual(["init", "playing", "ready", "recording"])
    for (const state of SESSION_STATES) {
      expect(Object.keys(transitions[state]).sort()).toEqual([...SUPPORTED_METHODS].sort())
    }
  })

  it.each(expected)("%s × %s", (state, method, want) => {
    expect(transitions[state][method]).toEqual(want)
    expect(transition(state, method)).toEqual(want)
  })

  it.each([
    ["init", ["OPTIONS", "DESCRIBE", "ANNOUNCE", "SETUP", "GET_PARAMETER"]],
    ["ready", ["OPTIONS", "DESCRIBE", "SETUP", "PLAY", "RECORD", "TEARDOWN", "GET_PARAMETER"]],
    ["playing", ["OPTIONS", "DESCRIBE", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER"]],
    ["recording", ["OPTIONS", "DESCRIBE", "RECORD", "PAUSE", "TEARDOWN", "GET_PARAMETER"]]
  ] as const)("allowedIn(%s) is the Allow header of a 455", (state, methods) => {
    expect(allowedIn(state)).toEqual(methods)
  })

  it.each([
    ["OPTIONS", true],
    ["GET_PARAMETER", true],
    ["TEARDOWN", true],
    ["RECORD", true],
    ["ANNOUNCE", true],
    ["SET_PARAMETER", false],
    ["REDIRECT", false],
    ["record", false],
    ["options", false],
    ["", false]
  ] as const)("isSupportedMethod(%j) is %s", (method, supported) => {
    expect(isSupportedMethod(method)).toBe(supported)
  })
})
