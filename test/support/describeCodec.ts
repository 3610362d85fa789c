/**
 * The test kit for the RTSP header codecs: one table of cases per codec drives every test.
 *
 * From a `CodecTable` it generates, inside `describe(name)`:
 * - "parses and formats": each `cases` row decodes to its value and that value encodes back to
 *   exactly the same text (the text is canonical);
 * - "normalises": each `nonCanonical` input decodes, then encodes to the canonical text;
 * - "rejects": each `errors` input fails with that reason (and names `header`);
 * - "never throws on arbitrary strings": a fast-check property over arbitrary binary strings,
 *   mutations of the table's own inputs, strings built from the table's tokens, and any extra
 *   generators the codec gives (`strings`). Decode must return an Either and, when it succeeds,
 *   the canonical text must decode to the same canonical text again;
 * - "format then parse is the identity": a fast-check property over `values` mixed with the
 *   table's values: decode(encode(v)) equals v;
 * - "replays corpus <file>": every committed counterexample under
 *   test/fixtures/corpus/<corpus>/ goes through the same property bodies.
 *
 * When a property fails, the message names the corpus file to add (and its JSON); run with
 * CORPUS_WRITE=1 to have the kit write the file itself. See test/fixtures/corpus/README.md.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { RtspHeaderError, RtspHeaderErrorReason, RtspHeaderName } from "../../src/protocol/rtsp/headers/error.js"

export interface CodecTable<A> {
  /** Folder under test/fixtures/corpus holding this codec's committed vectors. */
  readonly corpus: string
  readonly decode: (text: string) => Either.Either<A, RtspHeaderError>
  readonly encode: (value: A) => string
  /** The header every rejection must name. */
  readonly header: RtspHeaderName
  /** Canonical text and the value it decodes to; the value encodes back to the same text. */
  readonly cases: ReadonlyArray<readonly [text: string, value: A]>
  /** An input that decodes, and the canonical text it encodes to. */
  readonly nonCanonical?: ReadonlyArray<readonly [input: string, canonical: string]>
  /** An input that is rejected, and the reason. */
  readonly errors?: ReadonlyArray<readonly [input: string, reason: RtspHeaderErrorReason]>
  /** Arbitrary values for the round-trip property (mixed with the values in `cases`). */
  readonly values: fc.Arbitrary<A>
  /** More input generators for the never-throws property (e.g. the header's vocabulary). */
  readonly strings?: ReadonlyArray<fc.Arbitrary<string>>
  /**
   * Whether the never-throws property also checks that a decodable input's canonical text is a
   * fixed point: encode(decode(encode(decode(s)))) === encode(decode(s)). Default true. A
   * predicate limits the check to the decoded values it accepts; a codec uses one only to fence
   * off an open bug in the codec, with a corpus entry (note "OPEN: ...") that shows the bug.
   */
  readonly canonicalIsStable?: boolean | ((value: A) => boolean)
  /** Runs per property; 300 unless told (the FC_NUM_RUNS environment variable overrides it). */
  readonly numRuns?: number
}

/** One committed vector: a decode input, or a value for the round trip. */
export type CorpusEntry =
  | {
    readonly property: "decode"
    readonly input: string
    /** Pins the outcome: the value it decodes to ... */
    readonly decodesTo?: unknown
    /** ... or the reason it is rejected with. */
    readonly rejectedWith?: RtspHeaderErrorReason
    readonly note?: string
  }
  | { readonly property: "roundTrip"; readonly value: unknown; readonly note?: string }

const here = dirname(fileURLToPath(import.meta.url))
export const corpusRoot = resolve(here, "../fixtures/corpus")
const repoRoot = resolve(here, "../..")

/** The corpus files of one codec, sorted by name; none when the folder does not exist. */
export const readCorpus = (codec: string): ReadonlyArray<readonly [file: string, entry: CorpusEntry]> => {
  const dir = join(corpusRoot, codec)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(join(dir, file), "utf8")) as CorpusEntry] as const)
}

/** Content-addressed name, so the same counterexample always gets the same file. */
export const corpusFileName = (entry: CorpusEntry): string => {
  const key = JSON.stringify(entry.property === "decode" ? entry.input : entry.value)
  return `${entry.property}-${createHash("sha256").update(key).digest("hex").slice(0, 12)}.json`
}

/**
 * Runs a property; on failure throws fast-check's report plus where the counterexample goes
 * (and writes it there when CORPUS_WRITE=1).
 */
export const assertWithCorpus = <T>(
  codec: string,
  arbitrary: fc.Arbitrary<T>,
  body: (t: T) => void,
  toEntry: (t: T) => CorpusEntry,
  numRuns: number
): void => {
  const details = fc.check(fc.property(arbitrary, body), { numRuns })
  if (!details.failed || details.counterexample === null) return
  const entry = toEntry(details.counterexample[0])
  const file = join(corpusRoot, codec, corpusFileName(entry))
  const json = `${JSON.stringify(entry, null, 2)}\n`
  const written = process.env["CORPUS_WRITE"] === "1"
  if (written) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, json)
  }
  throw new Error(
    `${fc.defaultReportMessage(details) ?? "property failed"}\n\n` +
      `Keep this counterexample: ${written ? "written to" : "add the file"} ${relative(repoRoot, file)}` +
      `${written ? "" : " (or rerun with CORPUS_WRITE=1)"} with:\n${json}` +
      "See test/fixtures/corpus/README.md."
  )
}

/** The table's inputs cut at the header's separators, for recombination. */
const tokensOf = (inputs: ReadonlyArray<string>): Array<string> => {
  const tokens = new Set<string>()
  for (const input of inputs) for (const t of input.split(/([;,= \-"/:.\\])/)) if (t !== "") tokens.add(t)
  return [...tokens]
}

/** Applies up to four small edits (insert / delete / replace) to one of the seeds. */
const mutationsOf = (seeds: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: "binary", maxLength: 3 })), { maxLength: 4 })
    )
    .map(([seed, edits]) =>
      edits.reduce((text, [at, remove, insert]) => {
        const i = at % (text.length + 1)
        return text.slice(0, i) + insert + text.slice(i + remove)
      }, seed)
    )

export const describeCodec = <A>(name: string, table: CodecTable<A>): void => {
  const { decode, encode, header } = table
  // FC_NUM_RUNS=20000 fuzzes harder (run locally, then commit what it finds).
  const numRuns = Number(process.env["FC_NUM_RUNS"] ?? table.numRuns ?? 300)
  const nonCanonical = table.nonCanonical ?? []
  const errors = table.errors ?? []
  const stable = table.canonicalIsStable ?? true

  const rejects = (input: string, reason: RtspHeaderErrorReason) => {
    const result = decode(input)
    expect(Either.isLeft(result) && result.left.reason).toBe(reason)
    expect(Either.isLeft(result) && result.left.header).toBe(header)
  }

  /** The never-throws body: decode returns an Either; a success's canonical text is stable. */
  const decodeBody = (input: string) => {
    const result = decode(input)
    expect(Either.isEither(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.header).toBe(header)
      return
    }
    if (stable === false || (typeof stable === "function" && !stable(result.right))) return
    const canonical = encode(result.right)
    expect(Either.map(decode(canonical), encode)).toStrictEqual(Either.right(canonical))
  }

  const roundTripBody = (value: A) => {
    expect(decode(encode(value))).toStrictEqual(Either.right(value))
  }

  describe(name, () => {
    it.each(table.cases)("parses and formats %j", (text, value) => {
      expect(decode(text)).toStrictEqual(Either.right(value))
      expect(encode(value)).toBe(text)
    })

    if (nonCanonical.length > 0) {
      it.each(nonCanonical)("normalises %j to %j", (input, canonical) => {
        expect(Either.map(decode(input), encode)).toStrictEqual(Either.right(canonical))
      })
    }

    if (errors.length > 0) it.each(errors)("rejects %j with %s", rejects)

    it("never throws on arbitrary strings", () => {
      const seeds = [...table.cases.map(([t]) => t), ...nonCanonical.map(([i]) => i), ...errors.map(([i]) => i)]
      const tokens = tokensOf(seeds)
      const inputs = fc.oneof(
        fc.string({ unit: "binary" }),
        mutationsOf(seeds),
        fc.array(fc.constantFrom(...tokens), { maxLength: 20 }).map((parts) => parts.join("")),
        ...(table.strings ?? [])
      )
      assertWithCorpus(table.corpus, inputs, decodeBody, (input) => ({ property: "decode", input }), numRuns)
    })

    it("format then parse is the identity", () => {
      const values = fc.oneof(table.values, fc.constantFrom(...table.cases.map(([, v]) => v)))
      assertWithCorpus(table.corpus, values, roundTripBody, (value) => ({ property: "roundTrip", value }), numRuns)
    })

    const corpus = readCorpus(table.corpus)
    it("has a corpus of committed vectors", () => {
      expect(corpus.length).toBeGreaterThan(0)
      for (const [file, entry] of corpus) expect(file, "corpus files are named by content").toSatisfy(
        (f: string) => !/^(decode|roundTrip)-[0-9a-f]{12}\.json$/.test(f) || f === corpusFileName(entry)
      )
    })
    it.each(corpus)("replays corpus %s", (_file, entry) => {
      if (entry.property === "roundTrip") {
        roundTripBody(entry.value as A)
        return
      }
      decodeBody(entry.input)
      if (entry.decodesTo !== undefined) expect(decode(entry.input)).toStrictEqual(Either.right(entry.decodesTo))
      if (entry.rejectedWith !== undefined) rejects(entry.input, entry.rejectedWith)
    })
  })
}
