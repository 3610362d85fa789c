/**
 * The server's record and the agreement as `--json` prints them: plain numbers, the drops with
 * their total, the delay as a mean (no Infinity for "no delay yet"). Pure.
 */
import type { ImpairmentRecord } from "../../src/impair/packetPlan.js"
import { totalDropped } from "./agreement.js"
import type { ImpairmentCheck } from "./impairmentCheck.js"
import type { ServerRecord } from "./serverRecord.js"

const recordJson = (record: ImpairmentRecord) => ({
  packets: record.packets,
  dropped: { ...record.dropped, total: totalDropped(record) },
  duplicated: record.duplicated,
  reordered: record.reordered,
  framesDropped: record.framesDropped,
  framesBroken: record.framesBroken,
  sequenceResets: record.sequenceResets,
  timestampResets: record.timestampResets,
  ...(record.firstSequence < 0 ? {} : { firstSequence: record.firstSequence, lastSequence: record.lastSequence }),
  delay: {
    count: record.delay.count,
    meanMs: record.delay.count === 0 ? 0 : record.delay.sumMs / record.delay.count,
    minMs: record.delay.count === 0 ? 0 : record.delay.minMs,
    maxMs: record.delay.maxMs
  },
  jitterMs: record.jitterMs
})

export const serverRecordJson = (serverRecord: ServerRecord) =>
  serverRecord.offered
    ? { offered: true as const, profile: serverRecord.stats.profile, seed: serverRecord.stats.seed, ...recordJson(serverRecord.stats.record) }
    : { offered: false as const, reason: serverRecord.reason }

/** `serverRecord` and `agreement` (null without a record to compare), and the drain's wait. */
export const impairmentCheckJson = (check: ImpairmentCheck) => ({
  ...(check.asked === undefined ? {} : { impairment: check.asked }),
  serverRecord: serverRecordJson(check.serverRecord),
  agreement: check.agreement ?? null,
  ...(check.drain === undefined ? {} : { drainMs: Math.round(check.drain.waitedMs), drainedQuietly: check.drain.quiet }),
  ...(check.pauseProblem === undefined ? {} : { pauseProblem: check.pauseProblem })
})
