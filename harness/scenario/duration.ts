/**
 * Durations as scenario files write them: "250ms", "2s", "1.5s", "1m",
 * "1m30s", "1h". One or more `<number><unit>` parts, largest unit first, each
 * unit at most once, no spaces. The value must come to whole milliseconds.
 */
import { Data, Either, ParseResult, Schema } from "effect"

export class DurationError extends Data.TaggedError("DurationError")<{
  readonly reason: "Empty" | "Syntax" | "UnitOrder" | "NotWholeMilliseconds" | "TooLarge"
  readonly message: string
}> {}

const UNIT_MS = { h: 3_600_000n, m: 60_000n, s: 1_000n, ms: 1n } as const
type Unit = keyof typeof UNIT_MS
const UNIT_RANK: Record<Unit, number> = { h: 0, m: 1, s: 2, ms: 3 }

// "ms" before "m" so the alternation takes the longer unit.
const PART = /(\d+)(?:\.(\d+))?(ms|h|m|s)/y
const NUMBER = /\d+(?:\.\d+)?/y
const MAX_INPUT_LENGTH = 64
const EXAMPLES = `e.g. "250ms", "2s", "1.5s", "1m30s"`

const fail = (reason: DurationError["reason"], message: string) =>
  Either.left(new DurationError({ reason, message }))

/** Parses a duration string into whole milliseconds. Never throws. */
export const parseDuration = (text: string): Either.Either<number, DurationError> => {
  if (text.length === 0) return fail("Empty", `a duration cannot be empty (${EXAMPLES})`)
  const shown = JSON.stringify(text.length > MAX_INPUT_LENGTH ? `${text.slice(0, MAX_INPUT_LENGTH)}…` : text)
  if (text.length > MAX_INPUT_LENGTH) {
    return fail("Syntax", `${shown} is too long to be a duration`)
  }
  let offset = 0
  let total = 0n
  let lastRank = -1
  while (offset < text.length) {
    PART.lastIndex = offset
    const match = PART.exec(text)
    if (match === null) {
      NUMBER.lastIndex = offset
      const number = NUMBER.exec(text)
      const where = number === null
        ? `expected a number at character ${offset + 1}`
        : `expected a unit (ms, s, m or h) at character ${offset + number[0].length + 1}`
      return fail("Syntax", `${shown} is not a duration: ${where} (${EXAMPLES})`)
    }
    const [whole, intDigits = "0", fracDigits = "", unitText] = match
    const unit = unitText as Unit
    if (UNIT_RANK[unit] <= lastRank) {
      return fail("UnitOrder", `${shown} is not a duration: units must go from largest to smallest, each once (h, m, s, ms)`)
    }
    lastRank = UNIT_RANK[unit]
    const scaled = BigInt(intDigits + fracDigits) * UNIT_MS[unit]
    const divisor = 10n ** BigInt(fracDigits.length)
    if (scaled % divisor !== 0n) {
      return fail("NotWholeMilliseconds", `${shown} is not a whole number of milliseconds`)
    }
    total += scaled / divisor
    offset += whole.length
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) return fail("TooLarge", `${shown} is too long a duration`)
  return Either.right(Number(total))
}

/**
 * Canonical text for a whole, non-negative number of milliseconds:
 * 0 -> "0s", 250 -> "250ms", 1500 -> "1.5s", 90000 -> "1m30s", 3600000 -> "1h".
 * parseDuration(formatDuration(ms)) === ms.
 */
export const formatDuration = (ms: number): string => {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`not a whole non-negative number of milliseconds: ${ms}`)
  if (ms === 0) return "0s"
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const rest = ms % 60_000
  let text = (hours > 0 ? `${hours}h` : "") + (minutes > 0 ? `${minutes}m` : "")
  if (rest > 0) {
    text += text === "" && rest < 1000 ? `${rest}ms` : `${rest / 1000}s`
  }
  return text
}

/** A duration string in the file, milliseconds (a whole number >= 0) in the decoded value. */
export const DurationFromString = Schema.transformOrFail(
  Schema.String,
  Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  {
    strict: true,
    decode: (text, _options, ast) =>
      Either.match(parseDuration(text), {
        onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, text, error.message)),
        onRight: (ms) => ParseResult.succeed(ms)
      }),
    encode: (ms) => ParseResult.succeed(formatDuration(ms))
  }
).annotations({ identifier: "Duration", description: `a duration such as ${EXAMPLES}` })
