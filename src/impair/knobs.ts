/**
 * The impairment knobs: their names, how each one's text reads into a setting, how settings lay
 * over a base profile, and a profile's canonical knobs back. One vocabulary for the URL query
 * (profileParse.ts) and the profiles file (profilesFile.ts). Pure.
 */
import { Array as Arr, Either } from "effect"
import {
  formatAnswer,
  formatBandwidth,
  formatDuration,
  formatNumber,
  formatShare,
  type KnobRead,
  readAnswer,
  readBandwidth,
  readDuration,
  readNumber,
  readSeed,
  readShare
} from "./knobValues.js"
import { badValue, type ImpairmentProblem } from "./problem.js"
import type { ImpairmentProfile } from "./profile.js"

/** The parameter that names a profile; the knobs after it override that profile. */
export const PROFILE_PARAMETER = "impair"

/** Every knob, in canonical order. */
export const KNOB_NAMES = [
  "seed",
  "loss",
  "burst",
  "burst-share",
  "delay",
  "jitter",
  "reorder",
  "reorder-depth",
  "dup",
  "bandwidth",
  "frame-drop",
  "close-after",
  "reply-delay",
  "answer",
  "freeze-after",
  "reset-seq-after",
  "reset-ts-after"
] as const
export type KnobName = (typeof KNOB_NAMES)[number]

export const isKnobName = (name: string): name is KnobName => (KNOB_NAMES as ReadonlyArray<string>).includes(name)

/** Without a seed anywhere, runs are still reproducible: every one uses this. */
export const DEFAULT_SEED = 1
/** `burst=N` without `burst-share`: 1 packet in 100 is lost in bursts, the loss rate people usually quote. */
export const DEFAULT_BURST_SHARE = 0.01
/** `reorder=P` without `reorder-depth`: a held packet goes out after the next 2. */
export const DEFAULT_REORDER_DEPTH = 2

/** Added delay and jitter above this would hold seconds of stream in the delay queue. */
export const MAX_DELAY_MS = 10_000
/** The RTSP-side times (close, reply delay, freeze, resets): at most a day. */
export const MAX_SESSION_TIME_MS = 86_400_000
export const MAX_BURST_LENGTH = 1000
export const MAX_REORDER_DEPTH = 100
/** 10 Gbit/s: a cap above it never bites. */
export const MAX_BANDWIDTH_KBPS = 10_000_000

/** Says "this knob is off", overriding a base profile that turns it on. */
export const OFF = "off"
type Off = typeof OFF

/** What one request or file entry says, knob by knob, before it is laid over a base profile. */
export interface KnobSettings {
  readonly seed?: number
  readonly loss?: number | Off
  readonly burst?: number | Off
  readonly burstShare?: number
  readonly delay?: number | Off
  readonly jitter?: number
  readonly reorder?: number | Off
  readonly reorderDepth?: number
  readonly duplicate?: number | Off
  readonly bandwidthKbps?: number | Off
  readonly frameDrop?: number | Off
  readonly closeAfterMs?: number | Off
  readonly replyDelayMs?: number | Off
  readonly answer?: { readonly method: string; readonly status: number } | Off
  readonly freezeAfterMs?: number | Off
  readonly resetSequenceAfterMs?: number | Off
  readonly resetTimestampAfterMs?: number | Off
}

type Reader = (text: string) => KnobRead<KnobSettings>

const plain = <A>(read: (text: string) => KnobRead<A>, into: (value: A) => KnobSettings): Reader => (text) =>
  Either.map(read(text), into)

/** A knob that turns something on also takes `off`, to turn a base profile's setting off. */
const orOff = <A>(read: (text: string) => KnobRead<A>, into: (value: A | Off) => KnobSettings): Reader => (text) =>
  text === OFF ? Either.right(into(OFF)) : Either.map(read(text), into)

const sessionTime = (text: string) => readDuration(text, MAX_SESSION_TIME_MS)
const delayTime = (text: string) => readDuration(text, MAX_DELAY_MS)

const READERS: { readonly [K in KnobName]: Reader } = {
  "seed": plain(readSeed, (seed) => ({ seed })),
  "loss": orOff(readShare, (loss) => ({ loss })),
  "burst": orOff(
    (text) => readNumber(text, { min: 1, max: MAX_BURST_LENGTH, integer: false, what: "packets" }),
    (burst) => ({ burst })
  ),
  "burst-share": plain(readShare, (burstShare) => ({ burstShare })),
  "delay": orOff(delayTime, (delay) => ({ delay })),
  "jitter": plain(delayTime, (jitter) => ({ jitter })),
  "reorder": orOff(readShare, (reorder) => ({ reorder })),
  "reorder-depth": plain(
    (text) => readNumber(text, { min: 1, max: MAX_REORDER_DEPTH, integer: true, what: "packets" }),
    (reorderDepth) => ({ reorderDepth })
  ),
  "dup": orOff(readShare, (duplicate) => ({ duplicate })),
  "bandwidth": orOff((text) => readBandwidth(text, MAX_BANDWIDTH_KBPS), (bandwidthKbps) => ({ bandwidthKbps })),
  "frame-drop": orOff(readShare, (frameDrop) => ({ frameDrop })),
  "close-after": orOff(sessionTime, (closeAfterMs) => ({ closeAfterMs })),
  "reply-delay": orOff(sessionTime, (replyDelayMs) => ({ replyDelayMs })),
  "answer": orOff(readAnswer, (answer) => ({ answer })),
  "freeze-after": orOff(sessionTime, (freezeAfterMs) => ({ freezeAfterMs })),
  "reset-seq-after": orOff(sessionTime, (resetSequenceAfterMs) => ({ resetSequenceAfterMs })),
  "reset-ts-after": orOff(sessionTime, (resetTimestampAfterMs) => ({ resetTimestampAfterMs }))
}

/** One knob's text as a setting, or the problem with it (naming the knob). */
export const readKnob = (knob: KnobName, text: string): Either.Either<KnobSettings, ImpairmentProblem> =>
  text.length === 0
    ? Either.left(badValue(knob, "needs a value"))
    : Either.mapLeft(READERS[knob](text), (problem) => badValue(knob, problem))

/** A setting over the base's value: `off` clears it, nothing keeps the base's. */
const over = <A>(setting: A | Off | undefined, base: A | undefined): A | undefined =>
  setting === OFF ? undefined : setting ?? base

/** The profile as an object without its absent knobs, so equal profiles compare equal. */
const withoutAbsent = (profile: ImpairmentProfile): ImpairmentProfile =>
  Object.fromEntries(Object.entries(profile).filter(([, value]) => value !== undefined)) as ImpairmentProfile

/**
 * The settings laid over `base`. Each pair of knobs (burst with burst-share, delay with jitter,
 * reorder with reorder-depth) is completed from the base and then the defaults; the second of a
 * pair needs the first to be on. The result keeps the base's name only when at most the seed
 * changed: every other knob makes it a profile of its own.
 */
export const composeProfile = (
  base: ImpairmentProfile,
  settings: KnobSettings
): Either.Either<ImpairmentProfile, Arr.NonEmptyReadonlyArray<ImpairmentProblem>> => {
  const problems: Array<ImpairmentProblem> = []
  const needs = (knob: KnobName, primary: KnobName, what: string, turnedOff: boolean) =>
    problems.push(badValue(knob, turnedOff ? `cannot go with ${primary}=off` : `needs ${primary} (${what})`))

  const meanLength = over(settings.burst, base.burst?.meanLength)
  if (meanLength === undefined && settings.burstShare !== undefined) {
    needs("burst-share", "burst", "the mean burst length in packets", settings.burst === OFF)
  }
  const burst = meanLength === undefined
    ? undefined
    : { share: settings.burstShare ?? base.burst?.share ?? DEFAULT_BURST_SHARE, meanLength }

  const reorderShare = over(settings.reorder, base.reorder?.share)
  if (reorderShare === undefined && settings.reorderDepth !== undefined) {
    needs("reorder-depth", "reorder", "the share of packets held back", settings.reorder === OFF)
  }
  const reorder = reorderShare === undefined
    ? undefined
    : { share: reorderShare, depth: settings.reorderDepth ?? base.reorder?.depth ?? DEFAULT_REORDER_DEPTH }

  // `jitter` alone is delay around a mean of 0; `delay=off` turns off both.
  if (settings.delay === OFF && settings.jitter !== undefined) needs("jitter", "delay", "the mean added delay", true)
  const meanMs = settings.delay === OFF ? undefined : settings.delay ?? base.delay?.meanMs
  const jitterMs = settings.delay === OFF ? undefined : settings.jitter ?? base.delay?.jitterMs
  const delay = meanMs === undefined && jitterMs === undefined ? undefined : { meanMs: meanMs ?? 0, jitterMs: jitterMs ?? 0 }

  if (Arr.isNonEmptyReadonlyArray(problems)) return Either.left(problems)
  const onlySeed = Object.keys(settings).every((key) => key === "seed")
  return Either.right(withoutAbsent({
    name: onlySeed ? base.name : undefined,
    seed: settings.seed ?? base.seed,
    loss: over(settings.loss, base.loss),
    burst,
    delay,
    reorder,
    duplicate: over(settings.duplicate, base.duplicate),
    bandwidthKbps: over(settings.bandwidthKbps, base.bandwidthKbps),
    frameDrop: over(settings.frameDrop, base.frameDrop),
    closeAfterMs: over(settings.closeAfterMs, base.closeAfterMs),
    replyDelayMs: over(settings.replyDelayMs, base.replyDelayMs),
    answer: over(settings.answer, base.answer),
    freezeAfterMs: over(settings.freezeAfterMs, base.freezeAfterMs),
    resetSequenceAfterMs: over(settings.resetSequenceAfterMs, base.resetSequenceAfterMs),
    resetTimestampAfterMs: over(settings.resetTimestampAfterMs, base.resetTimestampAfterMs)
  }))
}

/**
 * The profile as knobs with their canonical text, in KNOB_NAMES order: every knob it has (both of
 * a pair), and always the seed, so the knobs alone give the same profile again. The name is not a
 * knob: the knobs stand alone.
 */
export const profileKnobs = (profile: ImpairmentProfile): ReadonlyArray<readonly [KnobName, string]> => {
  const knobs: Array<readonly [KnobName, string]> = [["seed", String(profile.seed)]]
  const share = (knob: KnobName, value: number | undefined) => value !== undefined && knobs.push([knob, formatShare(value)])
  const time = (knob: KnobName, ms: number | undefined) => ms !== undefined && knobs.push([knob, formatDuration(ms)])
  share("loss", profile.loss)
  if (profile.burst !== undefined) {
    knobs.push(["burst", formatNumber(profile.burst.meanLength)], ["burst-share", formatShare(profile.burst.share)])
  }
  if (profile.delay !== undefined) {
    knobs.push(["delay", formatDuration(profile.delay.meanMs)], ["jitter", formatDuration(profile.delay.jitterMs)])
  }
  if (profile.reorder !== undefined) {
    knobs.push(["reorder", formatShare(profile.reorder.share)], ["reorder-depth", formatNumber(profile.reorder.depth)])
  }
  share("dup", profile.duplicate)
  if (profile.bandwidthKbps !== undefined) knobs.push(["bandwidth", formatBandwidth(profile.bandwidthKbps)])
  share("frame-drop", profile.frameDrop)
  time("close-after", profile.closeAfterMs)
  time("reply-delay", profile.replyDelayMs)
  if (profile.answer !== undefined) knobs.push(["answer", formatAnswer(profile.answer)])
  time("freeze-after", profile.freezeAfterMs)
  time("reset-seq-after", profile.resetSequenceAfterMs)
  time("reset-ts-after", profile.resetTimestampAfterMs)
  return knobs
}

const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * The knob (or `impair`) a name is most likely a typo of: ignoring case, one edit away (two for
 * names longer than four letters). Undefined when none is that close.
 */
export const closestKnob = (name: string): string | undefined => {
  const lower = name.toLowerCase()
  let best: { readonly knob: string; readonly distance: number } | undefined
  for (const knob of [PROFILE_PARAMETER, ...KNOB_NAMES]) {
    const distance = editDistance(lower, knob)
    if (distance <= (knob.length > 4 ? 2 : 1) && (best === undefined || distance < best.distance)) best = { knob, distance }
  }
  return best?.knob
}

/** The hint after "unknown knob": the likely knob, else the whole list. */
export const unknownKnobHint = (name: string): string => {
  const closest = closestKnob(name)
  return closest === undefined ? `knobs: ${[PROFILE_PARAMETER, ...KNOB_NAMES].join(", ")}` : `did you mean ${closest}?`
}
