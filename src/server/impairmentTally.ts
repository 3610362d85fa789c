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

/** One profile's figures, as /metrics shows them. */
export interface ImpairmentProfileMetrics {
  /** Live sessions under it. */
  readonly sessions: number
  readonly packets: number
  readonly dropped: Readonly<Record<DropReason, number>>
  readonly duplicated: number
  readonly reordered: number
  readonly framesDropped: number
  readonly framesBroken: number
  readonly sequenceResets: number
  readonly timestampResets: number
  readonly actions: Readonly<Record<ImpairmentAction, number>>
}

interface Totals {
  sessions: number
  packets: number
  dropped: Record<DropReason, number>
  duplicated: number
  reordered: number
  framesDropped: number
  framesBroken: number
  sequenceResets: number
  timestampResets: number
  actions: Record<ImpairmentAction, number>
}

const emptyTotals = (): Totals => ({
  sessions: 0,
  packets: 0,
  dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>,
  duplicated: 0,
  reordered: 0,
  framesDropped: 0,
  framesBroken: 0,
  sequenceResets: 0,
  timestampResets: 0,
  actions: { "close": 0, "answer": 0, "reply-delay": 0 }
})

const addRecord = (into: Totals, record: ImpairmentRecord): void => {
  into.packets += record.packets
  for (const reason of DROP_REASONS) into.dropped[reason] += record.dropped[reason]
  into.duplicated += record.duplicated
  into.reordered += record.reordered
  into.framesDropped += record.framesDropped
  into.framesBroken += record.framesBroken
  into.sequenceResets += record.sequenceResets
  into.timestampResets += record.timestampResets
}

/** Two profiles' figures added (a cluster's workers), for sumSnapshots. */
export const addProfileMetrics = (a: ImpairmentProfileMetrics, b: ImpairmentProfileMetrics): ImpairmentProfileMetrics => ({
  sessions: a.sessions + b.sessions,
  packets: a.packets + b.packets,
  dropped: Object.fromEntries(DROP_REASONS.map((reason) => [reason, a.dropped[reason] + b.dropped[reason]])) as Record<DropReason, number>,
  duplicated: a.duplicated + b.duplicated,
  reordered: a.reordered + b.reordered,
  framesDropped: a.framesDropped + b.framesDropped,
  framesBroken: a.framesBroken + b.framesBroken,
  sequenceResets: a.sequenceResets + b.sequenceResets,
  timestampResets: a.timestampResets + b.timestampResets,
  actions: Object.fromEntries(IMPAIRMENT_ACTIONS.map((action) => [action, a.actions[action] + b.actions[action]])) as Record<ImpairmentAction, number>
})

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
