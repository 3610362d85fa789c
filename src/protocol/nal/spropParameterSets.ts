/**
 * The parameter sets a description carries out of band: H.264's `sprop-parameter-sets`
 * (RFC 6184 §8.1, SPS and PPS, comma-separated base64) and H.265's `sprop-vps`, `sprop-sps` and
 * `sprop-pps` (RFC 7798 §7.1). Pure: the fmtp parameters in, the NAL units or why not out.
 */
import { Either } from "effect"

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

const H264_NAMES = ["sprop-parameter-sets"] as const
const H265_NAMES = ["sprop-vps", "sprop-sps", "sprop-pps"] as const

/**
 * The NAL units in the codec's sprop parameters, in the order a decoder wants them (VPS, SPS,
 * PPS); none when the description carries none. A value that is not base64 is an error naming it.
 */
export const spropParameterSets = (
  codec: "H264" | "H265",
  parameters: ReadonlyMap<string, string>
): Either.Either<ReadonlyArray<Buffer>, string> => {
  const units: Array<Buffer> = []
  for (const name of codec === "H264" ? H264_NAMES : H265_NAMES) {
    const value = parameters.get(name)
    if (value === undefined || value === "") continue
    for (const part of value.split(",")) {
      const text = part.trim()
      // A trailing comma (some cameras write one) adds no parameter set.
      if (text === "") continue
      if (!BASE64.test(text) || text.length % 4 === 1) return Either.left(`${name}: ${JSON.stringify(text)} is not base64`)
      const unit = Buffer.from(text, "base64")
      if (unit.length === 0) return Either.left(`${name}: an empty parameter set`)
      units.push(unit)
    }
  }
  return Either.right(units)
}
