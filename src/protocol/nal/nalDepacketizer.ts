/**
 * The access-unit machine both NAL-unit RTP formats share: RFC 6184 (H.264) and RFC 7798
 * (H.265) differ in their headers, not in how units are put back together. Single NAL unit
 * packets, one aggregation packet type and one fragmentation type (the non-interleaved modes).
 *
 * An access unit ends at the packet with the marker bit, or when the RTP timestamp changes
 * (then it is reported as ended without its marker). Whatever is wrong inside one (a fragment
 * without its start or its end, a sequence gap, a truncated aggregate, a NAL type the mode does
 * not carry) is listed on the unit as a problem, with the NAL units that did arrive whole, so a
 * receiver can tell broken from complete units and count each cause. Stateful but pure: no I/O,
 * and no input makes it throw.
 */

/** The fields of an RTP packet the depacketizer needs. */
export interface RtpNalPacket {
  readonly sequenceNumber: number
  readonly timestamp: number
  readonly marker: boolean
  readonly payload: Uint8Array
}

export type NalProblemReason =
  /** A payload too short for its header. */
  | "Truncated"
  /** The forbidden_zero_bit is set. */
  | "ForbiddenBit"
  /** A NAL or packet type the format reserves or leaves undefined. */
  | "ReservedType"
  /** A packet type of a mode not supported (interleaved, PACI). */
  | "UnsupportedType"
  /** An aggregation packet whose NAL size runs past the payload, or is 0. */
  | "TruncatedAggregate"
  /** A fragmentation header with both the start and the end bit set (MUST NOT); its NAL unit is kept. */
  | "BadFragmentHeader"
  /** A fragment whose first fragment (S bit) never came. */
  | "FragmentWithoutStart"
  /** A fragmented NAL unit whose last fragment (E bit) never came. */
  | "FragmentWithoutEnd"
  /** Packets missing inside the access unit (by sequence number). */
  | "SequenceGap"
  /** The timestamp changed before a packet with the marker bit closed the unit. */
  | "EndedWithoutMarker"

export interface NalProblem {
  readonly reason: NalProblemReason
  readonly message: string
}

export interface AccessUnit {
  readonly _tag: "AccessUnit"
  readonly timestamp: number
  /** The NAL units that arrived whole, in order, each starting with its NAL unit header. */
  readonly nalUnits: ReadonlyArray<Buffer>
  /** A picture a decoder can start from is among them: IDR (H.264), IRAP (H.265). */
  readonly keyframe: boolean
  /** Empty for a whole unit. */
  readonly problems: ReadonlyArray<NalProblem>
}

export interface NalDepacketizer {
  /** One packet; returns the access units it completed (usually none, at most two). */
  readonly push: (packet: RtpNalPacket) => ReadonlyArray<AccessUnit>
  /** Ends the stream: the unit in progress, if any, as it stands. */
  readonly flush: () => ReadonlyArray<AccessUnit>
}

/** What tells the two formats apart. */
export interface NalPayloadFormat {
  /** "RFC 6184", for messages. */
  readonly rfc: string
  /** Bytes of a NAL unit header: 1 (H.264) or 2 (H.265). */
  readonly headerBytes: number
  /** The type of the NAL unit, or of the packet, whose header starts at `bytes[0]`. */
  readonly typeOf: (bytes: Uint8Array) => number
  readonly isSingle: (type: number) => boolean
  readonly aggregate: { readonly type: number; readonly name: string }
  readonly fragment: { readonly type: number; readonly name: string }
  /** Packet types of modes not supported, by name. */
  readonly unsupported: Readonly<Record<number, string>>
  /** A fragment's FU header byte (S, E and the NAL type). */
  readonly fuHeaderOf: (payload: Uint8Array) => number
  /** The header of the NAL unit a fragment belongs to, rebuilt from the fragment's packet. */
  readonly fragmentNalHeader: (payload: Uint8Array) => Buffer
  readonly isKeyframe: (nal: Uint8Array) => boolean
}

const NONE: ReadonlyArray<AccessUnit> = []

interface UnitInProgress {
  readonly timestamp: number
  readonly nalUnits: Array<Buffer>
  readonly problems: Array<NalProblem>
  lastSequence: number
  /** The NAL unit being reassembled from fragments: its rebuilt header, then the fragments. */
  fragment: Array<Buffer> | undefined
}

export const makeNalDepacketizer = (format: NalPayloadFormat): NalDepacketizer => {
  const { aggregate, fragment } = format
  // FU: the payload header (a NAL header's size), then the FU header byte.
  const fragmentPrefix = format.headerBytes + 1
  let unit: UnitInProgress | undefined

  const problem = (u: UnitInProgress, reason: NalProblemReason, message: string): void => {
    u.problems.push({ reason, message })
  }

  const dropFragment = (u: UnitInProgress, why: string): void => {
    if (u.fragment === undefined) return
    problem(u, "FragmentWithoutEnd", `an ${fragment.name} NAL unit ${why} before its last fragment`)
    u.fragment = undefined
  }

  const finish = (u: UnitInProgress): AccessUnit => {
    dropFragment(u, "ended with its access unit")
    return { _tag: "AccessUnit", timestamp: u.timestamp, nalUnits: u.nalUnits, keyframe: u.nalUnits.some(format.isKeyframe), problems: u.problems }
  }

  const takeAggregate = (u: UnitInProgress, payload: Uint8Array): void => {
    let at = format.headerBytes
    while (at < payload.length) {
      if (at + 2 > payload.length) {
        problem(u, "TruncatedAggregate", `${aggregate.name}: a NAL size field cut off at byte ${at} of ${payload.length}`)
        return
      }
      const size = (payload[at]! << 8) | payload[at + 1]!
      if (size === 0 || at + 2 + size > payload.length) {
        problem(u, "TruncatedAggregate", `${aggregate.name}: a NAL unit of ${size} bytes at byte ${at + 2} of ${payload.length}`)
        return
      }
      u.nalUnits.push(Buffer.from(payload.subarray(at + 2, at + 2 + size)))
      at += 2 + size
    }
  }

  const takeFragment = (u: UnitInProgress, payload: Uint8Array): void => {
    if (payload.length <= fragmentPrefix) {
      problem(u, "Truncated", `${fragment.name} of ${payload.length} bytes: its headers need ${fragmentPrefix}, and a fragment at least 1 more`)
      return
    }
    const fuHeader = format.fuHeaderOf(payload)
    const start = (fuHeader & 0x80) !== 0
    const end = (fuHeader & 0x40) !== 0
    if (start && end) problem(u, "BadFragmentHeader", `an ${fragment.name} header with both the start and the end bit set`)
    if (start) {
      dropFragment(u, "was cut short by a new one")
      u.fragment = [format.fragmentNalHeader(payload)]
    } else if (u.fragment === undefined) {
      problem(u, "FragmentWithoutStart", `an ${fragment.name} fragment arrived without the fragment that starts its NAL unit`)
      return
    }
    u.fragment.push(Buffer.from(payload.subarray(fragmentPrefix)))
    if (end) {
      u.nalUnits.push(Buffer.concat(u.fragment))
      u.fragment = undefined
    }
  }

  const take = (u: UnitInProgress, payload: Uint8Array): void => {
    if (payload.length < format.headerBytes) return problem(u, "Truncated", `an RTP payload of ${payload.length} bytes, shorter than a NAL unit header`)
    if ((payload[0]! & 0x80) !== 0) return problem(u, "ForbiddenBit", "a NAL unit header with the forbidden_zero_bit set")
    const type = format.typeOf(payload)
    if (type !== fragment.type) dropFragment(u, "was followed by another packet type")
    if (format.isSingle(type)) u.nalUnits.push(Buffer.from(payload))
    else if (type === aggregate.type) takeAggregate(u, payload)
    else if (type === fragment.type) takeFragment(u, payload)
    else if (format.unsupported[type] !== undefined) problem(u, "UnsupportedType", `${format.unsupported[type]} (type ${type}) is not supported`)
    else problem(u, "ReservedType", `NAL type ${type} is reserved or undefined in ${format.rfc}`)
  }

  const push = (packet: RtpNalPacket): ReadonlyArray<AccessUnit> => {
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
