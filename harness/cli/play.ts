/**
 * `rtsp-harness play <url>`: one session (DESCRIBE, SETUP of the --tracks picked, PLAY for
 * --duration or until the server's BYE, TEARDOWN), its metrics at the end, per track when there
 * is more than one or the codec is not MJPEG, beside the server's record of what it did to the
 * session when it offers one (--impair asks it to impair the session), and optionally its frames
 * as PNG files and a contact sheet (MJPEG through sharp, H.264/H.265 through ffmpeg). Exit
 * status 0 when the session ran and brought at least one whole frame.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Either, Fiber, Option, Queue } from "effect"
import { parseTrackSelector } from "../../src/protocol/sdpTracks.js"
import { makeAnnexBDecoder } from "../output/annexBFrames.js"
import { type ContactSheetCollector, makeContactSheetCollector, writeContactSheet } from "../output/contactSheet.js"
import { makeFrameDumper } from "../output/pngFrames.js"
import { runScenario } from "../run/runScenario.js"
import { CliExit } from "../../src/common/cliExit.js"
import type { Scenario } from "../scenario/schema.js"
import { impairmentParameters } from "../impair/impairQuery.js"
import { impairmentCheckJson } from "../impair/recordJson.js"
import { failWith } from "./failWith.js"
import { sessionRows, table } from "./render.js"
import { serverRecordRows } from "./serverRecordRows.js"
import { trackRows } from "./trackRows.js"
import { credentialOptions, credentialsFrom, durationOption, insecureOption, jsonOption, timeoutOption, tracksOption, transportFor, udpBatchingOption, udpFallbackOption, transportOption, urlArg } from "./shared.js"
import type { Dialect, TransportKind } from "../../src/protocol/rtsp/vocabulary.js"
import { maskCredentials } from "../client/credentials.js"

const dumpDir = Options.directory("dump-dir").pipe(
  Options.optional,
  Options.withDescription("Write received frames as PNG files (frame-000000.png, …) into this folder")
)
const dumpEvery = Options.integer("dump-every").pipe(
  Options.withDefault(1),
  Options.withDescription("With --dump-dir: write every Nth frame (default 1: all)")
)
const contactSheet = Options.file("contact-sheet").pipe(
  Options.optional,
  Options.withDescription("Write one PNG with thumbnails of frames spread over the run")
)
const impair = Options.text("impair").pipe(
  Options.optional,
  Options.withDescription("Ask the server to impair the session: a profile name (lossy-wifi, congested-lte, satellite, bursty, reorder-heavy, flaky-connection, slow-server) or knobs such as loss=2%&jitter=15ms&seed=7, added to the URL's query; at the end the harness sets its loss, duplicates, reordering and jitter beside the server's record"),
  Options.mapEffect((text) =>
    Option.match(text, {
      onNone: () => Effect.succeed(text),
      onSome: (value) => Either.match(impairmentParameters(value), {
        onLeft: (problem) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--impair: ${problem}`))),
        onRight: () => Effect.succeed(text)
      })
    })
  )
)
const dialect = Options.choice("dialect", ["standard", "classic"] as const).pipe(
  Options.withDefault("standard" as const),
  Options.withDescription("standard RTSP, or the classic teaching lab's (bare file name, whole JPEG per datagram, UDP only)")
)

export const playScenario = (url: string, durationMs: number, transport: TransportKind, dialectName: Dialect, impairment?: string): Scenario => ({
  name: "play",
  url,
  ...(impairment === undefined ? {} : { impair: impairment }),
  transport: dialectName === "classic" ? "udp" : transport,
  dialect: dialectName,
  clients: 1,
  rampUp: 0,
  steps: dialectName === "classic"
    ? [{ step: "setup" }, { step: "play" }, { step: "wait", duration: durationMs }, { step: "teardown" }]
    : [{ step: "describe" }, { step: "setup" }, { step: "play" }, { step: "wait", duration: durationMs }, { step: "teardown" }]
})

/** The decoded PNGs, for the contact sheet (sharp reads PNG as it reads JPEG). */
const addDecodedFrames = (sheet: ContactSheetCollector, files: ReadonlyArray<{ readonly index: number; readonly path: string }>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    for (const file of files) sheet.add(file.index, Buffer.from(yield* fs.readFile(file.path)))
  })

export const playCommand = Command.make(
  "play",
  {
    url: urlArg,
    duration: durationOption("duration", "10s", "How long to play; the run ends sooner at the server's end-of-stream BYE"),
    transport: transportOption,
    dialect,
    impair,
    tracks: tracksOption,
    dumpDir,
    dumpEvery,
    contactSheet,
    json: jsonOption,
    timeout: timeoutOption,
    udpFallback: udpFallbackOption,
    udpBatching: udpBatchingOption,
    insecure: insecureOption,
    ...credentialOptions
  },
  (options) =>
    Effect.scoped(Effect.gen(function* () {
      const dumper = Option.isSome(options.dumpDir)
        ? yield* makeFrameDumper({ dir: options.dumpDir.value, every: options.dumpEvery })
        : undefined
      const sheet = Option.isSome(options.contactSheet) ? makeContactSheetCollector() : undefined
      // Frames arrive in a socket callback; PNG encoding is asynchronous, so it drains a queue.
      // undefined is the end mark, offered once the run is over.
      const toDump = yield* Queue.unbounded<{ readonly index: number; readonly jpeg: Buffer } | undefined>()
      const writer = dumper === undefined ? undefined : yield* Effect.fork(Effect.gen(function* () {
        for (;;) {
          const frame = yield* Queue.take(toDump)
          if (frame === undefined) return
          yield* dumper.onFrame(frame.index, frame.jpeg)
        }
      }))

      // H.264/H.265 frames go to ffmpeg; a contact sheet alone decodes them into a folder of its own.
      const fs = yield* FileSystem.FileSystem
      const decodeDir = Option.isSome(options.dumpDir) ? options.dumpDir.value : sheet === undefined ? undefined : yield* fs.makeTempDirectoryScoped({ prefix: "rtsp-harness-sheet-" })
      const decoder = decodeDir === undefined ? undefined : yield* makeAnnexBDecoder({ dir: decodeDir, every: Option.isSome(options.dumpDir) ? options.dumpEvery : 1 })

      if (Option.isSome(options.impair) && options.dialect === "classic") {
        return yield* failWith("error: --impair: the classic dialect's requests carry no query to ask for an impairment: use the standard dialect")
      }
      const result = yield* runScenario(playScenario(options.url, options.duration, transportFor(options.url, options.transport), options.dialect, Option.getOrUndefined(options.impair)), {
        timeoutMs: options.timeout,
        insecure: options.insecure,
        udpFallbackMs: options.udpFallback,
        udpBatching: options.udpBatching,
        tracks: parseTrackSelector(options.tracks),
        ...credentialsFrom(options),
        onFrame: (_client, frame, index) => {
          sheet?.add(index, frame.jpeg)
          if (dumper !== undefined && index % options.dumpEvery === 0) Queue.unsafeOffer(toDump, { index, jpeg: frame.jpeg })
        },
        ...(decoder === undefined ? {} : { onAccessUnit: (_client, unit, index, _arrivalMs, stream) => decoder.offer(unit, index, stream) })
      })
      const decoded = decoder === undefined ? undefined : yield* decoder.finish
      if (sheet !== undefined && decoded !== undefined) yield* addDecodedFrames(sheet, decoded.files)

      if (writer !== undefined) {
        // Every frame received is written before the report (a write error ends the command).
        Queue.unsafeOffer(toDump, undefined)
        yield* Fiber.join(writer)
      }
      const client = result.clients[0]
      const metrics = client?.metrics
      const check = client?.impairmentChecks?.at(-1)
      const written = (dumper?.written() ?? 0) + (Option.isSome(options.dumpDir) ? decoded?.written ?? 0 : 0)
      if (sheet !== undefined && Option.isSome(options.contactSheet) && sheet.selected().length > 0) {
        yield* writeContactSheet(sheet.selected(), options.contactSheet.value)
      }
      const ok = client !== undefined && client.ok && metrics !== undefined && metrics.framesReceived > 0
      if (options.json) {
        yield* Console.log(JSON.stringify({
          url: maskCredentials(options.url),
          ok,
          ...(client?.failureReason === undefined ? {} : { error: client.failureReason }),
          durationMs: Math.round(result.durationMs),
          ...(metrics ?? {}),
          ...(check === undefined ? {} : impairmentCheckJson(check)),
          ...(dumper === undefined ? {} : { pngWritten: written })
        }))
      } else {
        if (client !== undefined && !client.ok) yield* Console.error(`error: ${client.failureReason ?? "the session failed"}`)
        if (metrics !== undefined && (client?.ok === true || metrics.packetsReceived > 0)) {
          yield* Console.log(`${maskCredentials(options.url)}  ${(result.durationMs / 1000).toFixed(1)} s`)
          yield* Console.log(table([
            ...sessionRows(metrics),
            ...trackRows(metrics.tracks, metrics.lipSyncMs),
            ...(dumper === undefined ? [] : [["PNG frames", `${written} written to ${Option.getOrElse(options.dumpDir, () => "")}`] as const]),
            ...(Option.isSome(options.contactSheet) && sheet !== undefined && sheet.selected().length > 0
              ? [["contact sheet", options.contactSheet.value] as const]
              : []),
            ...(check === undefined ? [] : serverRecordRows(check))
          ]))
        }
        if (client?.ok === true && metrics?.framesReceived === 0) yield* Console.error("error: no whole frame arrived")
      }
      if (!ok) return yield* new CliExit({ code: 1 })
    }))
).pipe(Command.withDescription("Play one stream and report what arrived: frames, loss, fps, jitter, start-up, intervals; optionally write the frames as PNG"))
