/**
 * `rtsp-harness web`: the browser player. Serves the page until SIGINT/SIGTERM, which closes the
 * layer's Scope: every tab's RTSP session is torn down and the port closed.
 */
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Console, Effect, Either } from "effect"
import * as WebPlayer from "../web/WebPlayer.js"
import { checkRtspUrl } from "./shared.js"

export const DEFAULT_WEB_URL = "rtsp://127.0.0.1:8554/movie.Mjpeg"

const port = Options.integer("port").pipe(
  Options.withDefault(8080),
  Options.withDescription("HTTP port for the page (default 8080; 0 picks a free one)"),
  Options.mapEffect((n) =>
    n >= 0 && n <= 65535 ? Effect.succeed(n) : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--port: ${n} is not a port (0-65535)`)))
  )
)
const host = Options.text("host").pipe(
  Options.withDefault("127.0.0.1"),
  Options.withDescription("Address to listen on (default 127.0.0.1: this machine only)")
)
const defaultUrl = Options.text("default-url").pipe(
  Options.withDefault(DEFAULT_WEB_URL),
  Options.withDescription(`What the page's URL field starts with (default ${DEFAULT_WEB_URL}, the local server's sample)`),
  Options.mapEffect((text) =>
    Either.match(checkRtspUrl(text), {
      onLeft: (m) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--default-url: ${m}`))),
      onRight: Effect.succeed
    })
  )
)
const maxSessions = Options.integer("max-sessions").pipe(
  Options.withDefault(16),
  Options.withDescription("Browser tabs served at once (default 16)"),
  Options.mapEffect((n) =>
    n >= 1 ? Effect.succeed(n) : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--max-sessions: must be at least 1`)))
  )
)

export const webCommand = Command.make("web", { port, host, defaultUrl, maxSessions }, (options) =>
  Effect.scoped(
    Effect.gen(function* () {
      const player = yield* WebPlayer.make({
        host: options.host,
        port: options.port,
        defaultUrl: options.defaultUrl,
        maxSessions: options.maxSessions
      })
      yield* Console.log(`web player on ${player.url} (Ctrl-C to stop)`)
      return yield* Effect.never
    })
  )
).pipe(Command.withDescription("Serve a web page with the classic Setup / Play / Pause / Teardown buttons, the live video and live stats"))
