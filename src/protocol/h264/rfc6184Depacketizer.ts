/**
 * RFC 6184 depacketizer: H.264 RTP payloads (single NAL unit packets, STAP-A, FU-A;
 * packetization modes 0 and 1) back into access units of NAL units.
 *
 * An access unit ends at the packet with the marker bit, or when the RTP timestamp changes
 * (then it is reported as ended without its marker). Whatever is wrong inside one (a fragment
 * without its start or its end, a sequence gap, a truncated aggregate, a NAL type this mode does
 * not carry) is listed on the unit as a problem, with the NAL units that did arrive whole, so a
 * receiver can tell broken from complete units and count each cause. Stateful but pure: no I/O,
 * and no input makes it throw.
 */

/** The fields of an RTP packet the depacketizer needs. */
export interface RtpH264Packet {
  readonly sequenceNumber: number
  readonly timestamp: number
  readonly marker: boolean
  readonly payload: Uint8Array
}

export type H264ProblemReason =
  /** A payload too short for its header. */
  | "Truncated"
  /** The forbidden_zero_bit is set. */
  | "ForbiddenBit"
  /** NAL type 0, 30 or 31 (reserved or undefined in RFC 6184). */
  | "ReservedType"
  /** STAP-B, MTAP16, MTAP24 or FU-B: interleaved mode, not supported. */
  | "UnsupportedType"
  /** A STAP-A whose NAL size runs past the payload, or is 0. */
  | "TruncatedAggregate"
  /** An FU header with both the start and the end bit set (RFC 6184 §5.8: MUST NOT); its NAL unit is kept. */
  | "BadFragmentHeader"
  /** An FU-A fragment whose first fragment (S bit) never came. */
  | "FragmentWithoutStart"
  /** An FU-A NAL unit whose last fragment (E bit) never came. */
  | "FragmentWithoutEnd"
  /** Packets missing inside the access unit (by sequence number). */
  | "SequenceGap"
  /** The timestamp changed before a packet with the marker bit closed the unit. */
  | "EndedWithoutMarker"

export interface H264Problem {
  readonly reason: H264ProblemReason
  readonly message: string
}

export interface AccessUnit {
  readonly _tag: "AccessUnit"
  readonly timestamp: number
  /** The NAL units that arrived whole, in order, each starting with its NAL header byte. */
  readonly nalUnits: ReadonlyArray<Buffer>
  /** An IDR slice (NAL type 5) is among them. */
  readonly idr: boolean
  /** Empty for a whole unit. */
  readonly problems: ReadonlyArray<H264Problem>
}

export interface Rfc6184Depacketizer {
  /** One packet; returns the access units it completed (usually none, at most two). */
  readonly push: (packet: RtpH264Packet) => ReadonlyArray<AccessUnit>
  /** Ends the stream: the unit in progress, if any, as it stands. */
  readonly flush: () => ReadonlyArray<AccessUnit>
}

export const NAL_TYPE_IDR = 5
export const NAL_TYPE_SPS = 7
export const NAL_TYPE_PPS = 8
export const NAL_TYPE_STAP_A = 24
export const NAL_TYPE_FU_A = 28

/** The NAL unit type of a NAL header byte. */
export const nalType = (headerByte: number): number => headerByte & 0x1f

const UNSUPPORTED_TYPES: Readonly<Record<number, string>> = { 25: "STAP-B", 26: "MTAP16", 27: "MTAP24", 29: "FU-B" }

const NONE: ReadonlyArray<AccessUnit> = []

interface UnitInProgress {
  readonly timestamp: number
  readonly nalUnits: Array<Buffer>
  readonly problems: Array<H264Problem>
  lastSequence: number
  /** The NAL unit being reassembled from FU-A fragments: its rebuilt header, then the fragments. */
  fragment: Array<Buffer> | undefined
}

export const makeRfc6184Depacketizer = (): Rfc6184Depacketizer => {
  let unit: UnitInProgress | undefined

  const problem = (u: UnitInProgress, reason: H264ProblemReason, message: string): void => {
    u.problems.push({ reason, message })
  }

  const dropFragment = (u: UnitInProgress, why: string): void => {
    if (u.fragment === undefined) return
    problem(u, "FragmentWithoutEnd", `an FU-A NAL unit ${why} before its last fragment`)
    u.fragment = undefined
  }

  const finish = (u: UnitInProgress): AccessUnit => {
    dropFragment(u, "ended with its access unit")
    return {
      _tag: "AccessUnit",
      timestamp: u.timestamp,
      nalUnits: u.nalUnits,
      idr: u.nalUnits.some((nal) => nalType(nal[0]!) === NAL_TYPE_IDR),
      problems: u.problems
    }
  }

  const takeStapA = (u: UnitInProgress, payload: Uint8Array): void => {
    let at = 1
    while (at < payload.length) {
      if (at + 2 > payload.length) {
        problem(u, "TruncatedAggregate", `STAP-A: a NAL size field cut off at byte ${at} of ${payload.length}`)
        return
      }
      const size = (payload[at]! << 8) | payload[at + 1]!
      if (size === 0 || at + 2 + size > payload.length) {
        problem(u, "TruncatedAggregate", `STAP-A: a NAL unit of ${size} bytes at byte ${at + 2} of ${payload.length}`)
        return
      }
      u.nalUnits.push(Buffer.from(payload.subarray(at + 2, at + 2 + size)))
      at += 2 + size
    }
  }

  const takeFuA = (u: UnitInProgress, payload: Uint8Array): void => {
    if (payload.length < 3) {
      problem(u, "Truncated", `FU-A of ${payload.length} bytes: the FU indicator and header need 2, and a fragment at least 1`)
      return
    }
    const fuHeader = payload[1]!
    const start = (fuHeader & 0x80) !== 0
    const end = (fuHeader & 0x40) !== 0
    if (start && end) problem(u, "BadFragmentHeader", "an FU header with both the start and the end bit set")
    if (start) {
      dropFragment(u, "was cut short by a new one")
      // The NAL header: F and NRI from the FU indicator, the type from the FU header.
      u.fragment = [Buffer.from([(payload[0]! & 0xe0) | (fuHeader & 0x1f)])]
    } else if (u.fragment === undefined) {
      problem(u, "FragmentWithoutStart", "an FU-A fragment arrived without the fragment that starts its NAL unit")
      return
    }
    u.fragment.push(Buffer.from(payload.subarray(2)))
    if (end) {
      u.nalUnits.push(Buffer.concat(u.fragment))
      u.fragment = undefined
    }
  }

  const take = (u: UnitInProgress, payload: Uint8Array): void => {
    if (payload.length < 1) return problem(u, "Truncated", "an empty RTP payload")
    const header = payload[0]!
    if ((header & 0x80) !== 0) return problem(u, "ForbiddenBit", "a NAL header with the forbidden_zero_bit set")
    const type = nalType(header)
    if (type !== NAL_TYPE_FU_A) dropFragment(u, "was followed by another packet type")
    if (type >= 1 && type <= 23) {
      u.nalUnits.push(Buffer.from(payload))
    } else if (type === NAL_TYPE_STAP_A) {
      takeStapA(u, payload)
    } else if (type === NAL_TYPE_FU_A) {
      takeFuA(u, payload)
    } else if (UNSUPPORTED_TYPES[type] !== undefined) {
      problem(u, "UnsupportedType", `${UNSUPPORTED_TYPES[type]} (NAL type ${type}) belongs to the interleaved mode, which is not supported`)
    } else {
      problem(u, "ReservedType", `NAL type ${type} is reserved or undefined in RFC 6184`)
    }
  }

  const push = (packet: RtpH264Packet): ReadonlyArray<AccessUnit> => {
    let ended: AccessUnit | undefined
    const sequence = packet.sequenceNumber & 0xffff
    if (unit !== undefined && unit.timestamp !== packet.timestamp) {
      problem(unit, "EndedWithoutMarker", `the timestamp changed from ${unit.timestamp} to ${packet.timestamp} before a packet with the marker bit`)
      ended = finish(unit)
      unit = undefined
    }
    if (unit === undefined) {
      unit = { timestamp: packet.timestamp, nalUnits: [], problems: [], lastSequence: sequence, fragment: undefined }
    } else {
      const gap = (sequence - unit.lastSequence - 1) & 0xffff
      if (gap !== 0 && gap < 0x8000) {
        problem(unit, "SequenceGap", `${gap} packet${gap === 1 ? "" : "s"} missing before sequence number ${sequence}`)
        dropFragment(unit, "lost a fragment")
      }
      unit.lastSequence = sequence
    }
    take(unit, packet.payload)
    if (!packet.marker) return ended === undefined ? NONE : [ended]
    const closed = finish(unit)
    unit = undefined
    return ended === undefined ? [closed] : [ended, closed]
  }

  const flush = (): ReadonlyArray<AccessUnit> => {
    if (unit === undefined) return NONE
    const last = finish(unit)
    unit = undefined
    return [last]
  }

  return { push, flush }
}

const START_CODE = Buffer.from([0, 0, 0, 1])

/** The NAL units as an Annex-B byte stream (a start code before each), what a decoder such as ffmpeg reads. */
export const toAnnexB = (nalUnits: ReadonlyArray<Uint8Array>): Buffer =>
  Buffer.concat(nalUnits.flatMap((nal) => [START_CODE, nal]))
