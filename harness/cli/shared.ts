/**
 * Options and checks shared by the harness's commands. User mistakes (a URL without a path, a
 * bad duration) are ValidationErrors: @effect/cli prints them with the usage, one clear line.
 */
import { Args, HelpDoc, Options, ValidationError } from "@effect/cli"
import { Effect, Either, Option } from "effect"

export { checkRtspUrl }
import { checkRtspUrl } from "../client/credentials.js"
import { parseDuration } from "../scenario/duration.js"
import { batchedReceiveAvailability } from "../../src/net/udpBatchReceive.js"

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

export const urlArg = Args.text({ name: "url" }).pipe(
  Args.withDescription("The stream, e.g. rtsp://127.0.0.1:8554/movie.Mjpeg (user:password@ in it for servers that ask)"),
  Args.mapEffect((text) => Either.match(checkRtspUrl(text), { onLeft: (m) => Effect.fail(HelpDoc.p(m)), onRight: Effect.succeed }))
)

export const durationOption = (name: string, fallback: string, description: string) =>
  Options.text(name).pipe(
    Options.withDefault(fallback),
    Options.withDescription(`${description} (e.g. 500ms, 10s, 2m; default ${fallback})`),
    Options.mapEffect((text) =>
      Either.match(parseDuration(text), {
        onLeft: (error) => Effect.fail(invalid(`--${name}: ${error.message}`)),
        onRight: Effect.succeed
      })
    )
  )

/** Without --transport: udp, except over rtsps:// where RTP stays inside the TLS connection (a UDP SETUP there is answered 461). */
export const transportFor = <T extends string>(url: string, chosen: Option.Option<T>): T | "udp" | "tcp" =>
  Option.getOrElse(chosen, (): T | "udp" | "tcp" => (isRtspsUrl(url) ? "tcp" : "udp"))

/** The URL's scheme is rtsps: (schemes are case-insensitive). */
export const isRtspsUrl = (url: string): boolean => /^rtsps:/i.test(url)

export const transportOption = Options.choice("transport", ["udp", "tcp", "multicast"] as const).pipe(
  Options.optional,
  Options.withDescription("RTP over UDP (falls back to TCP when UDP is refused or silent), interleaved in the RTSP connection, or from the multicast group the server names (no fallback; standard dialect); default udp, tcp for rtsps://")
)

/** For the conformance suite, whose checks are of unicast sessions. */
export const unicastTransportOption = Options.choice("transport", ["udp", "tcp"] as const).pipe(
  Options.optional,
  Options.withDescription("RTP over UDP (falls back to TCP when UDP is refused or silent) or interleaved in the RTSP connection; default udp, tcp for rtsps://")
)

export const insecureOption = Options.boolean("insecure").pipe(
  Options.withDescription("For rtsps:// URLs: do not verify the server's TLS certificate (a self-signed test server); without it such a certificate fails the connection")
)

export const jsonOption = Options.boolean("json").pipe(Options.withDescription("Print one JSON object instead of the table"))

export const reportOption = Options.file("report").pipe(
  Options.optional,
  Options.withDescription("Also write a self-contained HTML report with charts to this file")
)

export const timeoutOption = durationOption("timeout", "5s", "How long to wait for each RTSP reply")

export const udpFallbackOption = durationOption(
  "udp-fallback",
  "3s",
  "Over UDP: switch to TCP interleaved when no packet arrives this long after PLAY (0s: never; a 461 to SETUP always switches)"
)

export const udpBatchingOption = Options.choice("udp-batching", ["on", "off"] as const).pipe(
  Options.withDefault("on" as const),
  Options.withDescription("Over UDP: on reads RTP with recvmmsg and UDP_GRO, one wake-up per batch of datagrams (Linux, where npm install built it); off: one node:dgram event per datagram"),
  Options.map((choice) => choice === "on")
)

/** The line that says how RTP over UDP will be read, for the log before a run. */
export const udpReceiveLine = (batching: boolean): string => {
  if (!batching) return "RTP over UDP: one node:dgram event per datagram (--udp-batching off)"
  const availability = batchedReceiveAvailability()
  return availability.available
    ? "RTP over UDP: batched receive (recvmmsg, UDP_GRO where the kernel has it)"
    : `RTP over UDP: one node:dgram event per datagram (${availability.reason})`
}

export const credentialOptions = {
  user: Options.text("user").pipe(Options.optional, Options.withDescription("User name for servers that ask (Basic or Digest)")),
  password: Options.text("password").pipe(Options.optional, Options.withDescription("Password for --user"))
}

/** The credentials flags as client options (flags win over the URL's user:password@). */
export const credentialsFrom = (options: { readonly user: Option.Option<string>; readonly password: Option.Option<string> }) =>
  Option.match(options.user, {
    onNone: () => ({}),
    onSome: (username) => ({ username, password: Option.getOrElse(options.password, () => "") })
  })

export const tracksOption = Options.text("tracks").pipe(
  Options.withDefault("video"),
  Options.withDescription("Which tracks of the SDP to set up: video (the first video track, the default), audio (the first audio track), all, or one track's a=control value")
)
