/**
 * What impairments did, server-wide, by profile: the records of sessions that ended, added up,
 * plus the live sessions' records read when /metrics is rendered, so the counters move while
 * sessions play. The RTSP-side knobs count their actions here (a closed connection, an answered
 * request, a delayed reply). Profiles are the server's built-ins, its file's, or "inline", so the
 * label's values are bounded by the operator, never by clients.
 */
import { DROP_REASONS, type DropReason, type ImpairmentRecord } from "../impair/packetPlan.js"
import type { ImpairmentProfile } from "../impair/profile.js"

export const IMPAIRMENT_ACTIONS = ["close", "answer", "reply-delay"] as const
export type ImpairmentAction = (typeof IMPAIRMENT_ACTIONS)[number]

/** The label of a profile given knob by knob in a query. */
export const INLINE_PROFILE = "inline"

export const profileLabel = (profile: ImpairmentProfile): string => profile.name ?? INLINE_PROFILE

/** The record's counts that add up over sessions. */
const SUMMED = ["packets", "duplicated", "reordered", "framesDropped", "framesBroken", "sequenceResets", "timestampResets"] as const
type SummedCounts = Pick<ImpairmentRecord, (typeof SUMMED)[number]>

const zeros = <K extends string>(keys: ReadonlyArray<K>): Record<K, number> => Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>

/** One profile's figures, as /metrics shows them. */
export interface ImpairmentProfileMetrics extends Readonly<SummedCounts> {
  /** Live sessions under it. */
  readonly sessions: number
  readonly dropped: Readonly<Record<DropReason, number>>
  readonly actions: Readonly<Record<ImpairmentAction, number>>
}

interface Totals extends SummedCounts {
  sessions: number
  dropped: Record<DropReason, number>
  actions: Record<ImpairmentAction, number>
}

const emptyTotals = (): Totals => ({ sessions: 0, ...zeros(SUMMED), dropped: zeros(DROP_REASONS), actions: zeros(IMPAIRMENT_ACTIONS) })

const addRecord = (into: Totals, record: ImpairmentRecord): void => {
  for (const key of SUMMED) into[key] += record[key]
  for (const reason of DROP_REASONS) into.dropped[reason] += record.dropped[reason]
}

/** Two profiles' figures added (a cluster's workers), for sumSnapshots. */
export const addProfileMetrics = (a: ImpairmentProfileMetrics, b: ImpairmentProfileMetrics): ImpairmentProfileMetrics => {
  const sum: Totals = { ...emptyTotals(), sessions: a.sessions + b.sessions }
  for (const key of SUMMED) sum[key] = a[key] + b[key]
  for (const reason of DROP_REASONS) sum.dropped[reason] = a.dropped[reason] + b.dropped[reason]
  for (const action of IMPAIRMENT_ACTIONS) sum.actions[action] = a.actions[action] + b.actions[action]
  return sum
}

export interface ImpairmentTally {
  /** A session under `profile` ended: its record joins the totals. */
  readonly sessionEnded: (profile: ImpairmentProfile, record: ImpairmentRecord) => void
  readonly action: (profile: ImpairmentProfile, action: ImpairmentAction) => void
  /** The totals with the live sessions' records; empty until a profile was used. */
  readonly read: (live: Iterable<{ readonly profile: ImpairmentProfile; readonly record: ImpairmentRecord }>) => Record<string, ImpairmentProfileMetrics>
}

export const makeImpairmentTally = (): ImpairmentTally => {
  const ended = new Map<string, Totals>()
  const totalsOf = (label: string): Totals => {
    let totals = ended.get(label)
    if (totals === undefined) {
      totals = emptyTotals()
      ended.set(label, totals)
    }
    return totals
  }
  return {
    sessionEnded: (profile, record) => addRecord(totalsOf(profileLabel(profile)), record),
    action: (profile, action) => {
      totalsOf(profileLabel(profile)).actions[action]++
    },
    read: (live) => {
      const out = new Map<string, Totals>()
      for (const [label, totals] of ended) out.set(label, { ...totals, dropped: { ...totals.dropped }, actions: { ...totals.actions } })
      for (const { profile, record } of live) {
        const label = profileLabel(profile)
        let totals = out.get(label)
        if (totals === undefined) {
          totals = emptyTotals()
          out.set(label, totals)
        }
        totals.sessions++
        addRecord(totals, record)
      }
      return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
  }
}
