/**
 * What both codecs' SPS readers give, and the one way they read: the NAL type checked, the RBSP
 * read by a body that answers with the fields or why not, a read past the end a typed error.
 */
import { Data, Either } from "effect"
import { bitReader, type BitReader, PastTheEnd } from "./rbsp.js"

/** The fields of a sequence parameter set a tester reads, in both codecs. */
export interface SequenceParameters {
  readonly profileIdc: number
  /** The profile's name ("Main", "High", ...), or "profile N". */
  readonly profile: string
  readonly levelIdc: number
  /** The level as people write it ("3.1"). */
  readonly level: string
  readonly spsId: number
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number
  readonly bitDepthLuma: number
  readonly bitDepthChroma: number
  /** The picture size after cropping (H.264) or the conformance window (H.265), in luma samples. */
  readonly width: number
  readonly height: number
}

export class SpsError extends Data.TaggedError("SpsError")<{
  readonly reason: "NotSps" | "Truncated" | "OutOfRange"
  readonly message: string
}> {}

/** A field whose value no valid SPS has. */
export const outOfRange = (what: string, value: number): Either.Either<never, SpsError> =>
  Either.left(new SpsError({ reason: "OutOfRange", message: `SPS ${what} ${value} is out of range` }))

/**
 * Reads an SPS NAL unit: `typeOf` its first byte must be `spsType`, then `body` reads the RBSP
 * after the `headerBytes`-byte header. `needs` names what a truncated SPS ends before.
 */
export const readSps = <A>(
  nal: Uint8Array,
  format: { readonly headerBytes: number; readonly spsType: number; readonly typeOf: (firstByte: number) => number; readonly needs: string },
  body: (r: BitReader) => Either.Either<A, SpsError>
): Either.Either<A, SpsError> => {
  if (nal.length < format.headerBytes || format.typeOf(nal[0]!) !== format.spsType) {
    const type = nal.length < format.headerBytes ? `none (under ${format.headerBytes} byte${format.headerBytes === 1 ? "" : "s"})` : format.typeOf(nal[0]!)
    return Either.left(new SpsError({ reason: "NotSps", message: `NAL type ${type} is not an SPS (${format.spsType})` }))
  }
  try {
    return body(bitReader(nal.subarray(format.headerBytes)))
  } catch (error) {
    if (error instanceof PastTheEnd) return Either.left(new SpsError({ reason: "Truncated", message: `the SPS ends before its ${format.needs}` }))
    throw error
  }
}
