/**
 * `effect-rtsp serve`: runs the RTSP server (and, with --http-port, the
 * /metrics and /healthz endpoint) until SIGINT/SIGTERM. Every setting is a
 * flag with an environment variable behind it: the flag beats the variable,
 * which beats the default. Values are checked while the command line is
 * parsed, so a bad one is a usage error, whichever way it came in.
 *
 * --workers N (or auto) above 1 runs a cluster: this process becomes the primary, which forks N
 * server processes sharing the RTSP port (src/server/workers); 1 is the single process.
 *
 * --log-level is also @effect/cli's built-in global option, which only
 * matches right after the command name (`serve --log-level debug --port 1`)
 * and then hides the flag from us; serve has its own --log-level so that the
 * flag works anywhere else too, and reads RTSP_LOG_LEVEL itself.
 */
import { CliConfig, Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Config, Effect, Either, FiberRef, HashMap, Layer, LogLevel, Option } from "effect"
import { availableParallelism } from "node:os"
import { defaultServerConfig } from "../server/config.js"
import { ServerStartError } from "../server/errors.js"
import type { ServerConfig } from "../server/config.js"
import * as HttpEndpoint from "../server/HttpEndpoint.js"
import { resolveImpairments } from "../server/impairmentProfiles.js"
import { isLogLevelName, LOG_FORMATS, LOG_LEVEL_NAMES, loggerLayer, logLevelName } from "../server/logging.js"
import type { LogFormat, LoggingOptions, LogLevelName } from "../server/logging.js"
import * as Metrics from "../server/Metrics.js"
import { liveChannelLines, multicastLine, publishingLine, readyLine, rtspsLine } from "../server/readyLine.js"
import { type ConfigFileReload, hangupInCluster, reloadOnHangup } from "./reloadOnHangup.js"
import { configFileIn } from "./config/configFile.js"
import * as RtspServer from "../server/RtspServer.js"
import type { ClusterError } from "../server/workers/errors.js"
import { runCluster } from "../server/workers/runCluster.js"
import { parseWorkerCount } from "../server/workers/workerCount.js"
import { LOOPBACK_RANGES, parseAddressRanges } from "../net/addressRanges.js"
import { parseMulticastRange } from "../net/multicastRange.js"

/** What the serve command line (flags and environment) resolves to. */
export interface ServeOptions {
  readonly host: string
  readonly port: number
  readonly media: string
  readonly fps: Option.Option<number>
  readonly mtu: number
  readonly rtpPort: number
  readonly loop: boolean
  /** --live paths (repeatable) or RTSP_LIVE (comma-separated). */
  readonly live: ReadonlyArray<string>
  readonly sessionTimeout: number
  readonly maxSessions: number
  readonly maxConnections: number
  readonly maxConnectionsPerAddress?: number
  readonly maxSessionsPerAddress?: number
  readonly maxRequestsPerSecond?: number
  readonly maxBufferedBytes?: number
  /** --limits-exempt ranges, already checked. */
  readonly limitsExempt?: ReadonlyArray<string>
  readonly logFormat: LogFormat
  /** --log-level when serve's own option took it (see the module comment). */
  readonly logLevel: Option.Option<LogLevelName>
  /** RTSP_LOG_LEVEL. */
  readonly logLevelEnv: Option.Option<LogLevelName>
  readonly httpPort: Option.Option<number>
  readonly udpBatching: "on" | "off"
  readonly publish: boolean
  /** --publish-from ranges, already checked. */
  readonly publishFrom: ReadonlyArray<string>
  readonly publisherTimeout: number
  readonly multicast: "on" | "off"
  /** --multicast-range, already checked. */
  readonly multicastRange: string
  readonly multicastPort: number
  readonly multicastTtl: number
  /** Server processes; "auto" is already resolved to the core count. */
  readonly workers: number
  /** --impair (RTSP_IMPAIR): the impairment of every session that asks for none; checked at start, where the file's profiles are known. */
  readonly impair?: string | undefined
  /** --impairments (RTSP_IMPAIRMENTS): a JSON file of named profiles, read at start. */
  readonly impairments?: string | undefined
  /** --users (RTSP_USERS): the users file; without one nothing asks for credentials. */
  readonly users?: string | undefined
  readonly allowBasicCleartext?: boolean
  readonly nonceLifetime?: number
  /** --tls-cert and --tls-key (RTSP_TLS_CERT, RTSP_TLS_KEY): PEM files; both given, RTSPS is served on tlsPort. */
  readonly tlsCert?: string | undefined
  readonly tlsKey?: string | undefined
  readonly tlsPort?: number
  readonly allowUdpWithTls?: boolean
}

/** Everything the serve handler needs: the server's config, how to log, and how many processes serve. */
export interface ServeSettings {
  readonly server: ServerConfig
  readonly logging: LoggingOptions
  /** 1: this process serves; more: it supervises that many worker processes (runCluster). */
  readonly workers: number
}

/** The server config for parsed (already validated) options; settings without a flag keep their defaults. */
export const serveConfigFrom = (options: ServeOptions): ServerConfig => ({
  ...defaultServerConfig,
  host: options.host,
  port: options.port,
  mediaRoot: options.media,
  fps: Option.getOrUndefined(options.fps),
  mtu: options.mtu,
  rtpPort: options.rtpPort,
  loop: options.loop,
  live: options.live,
  sessionTimeoutSeconds: options.sessionTimeout,
  maxSessions: options.maxSessions,
  maxConnections: options.maxConnections,
  maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? defaultServerConfig.maxConnectionsPerAddress,
  maxSessionsPerAddress: options.maxSessionsPerAddress ?? defaultServerConfig.maxSessionsPerAddress,
  maxRequestsPerSecond: options.maxRequestsPerSecond ?? defaultServerConfig.maxRequestsPerSecond,
  maxBufferedBytes: options.maxBufferedBytes ?? defaultServerConfig.maxBufferedBytes,
  limitsExempt: options.limitsExempt ?? defaultServerConfig.limitsExempt,
  httpPort: Option.getOrUndefined(options.httpPort),
  publish: options.publish,
  publishFrom: options.publishFrom,
  publisherTimeoutSeconds: options.publisherTimeout,
  multicast: options.multicast === "on",
  multicastRange: options.multicastRange,
  multicastPort: options.multicastPort,
  multicastTtl: options.multicastTtl,
  impair: options.impair,
  impairmentsFile: options.impairments,
  usersFile: options.users,
  allowBasicCleartext: options.allowBasicCleartext ?? defaultServerConfig.allowBasicCleartext,
  nonceLifetimeSeconds: options.nonceLifetime ?? defaultServerConfig.nonceLifetimeSeconds,
  tlsCert: options.tlsCert,
  tlsKey: options.tlsKey,
  tlsPort: options.tlsPort ?? defaultServerConfig.tlsPort,
  allowUdpWithTls: options.allowUdpWithTls ?? defaultServerConfig.allowUdpWithTls,
  udpBatching: options.udpBatching === "on"
})

/**
 * The minimum log level: serve's --log-level, else the built-in one (seen as
 * the fiber's current minimum level when it is not the default, info), else
 * RTSP_LOG_LEVEL, else info. So `serve --log-level info ...` (the built-in
 * taking "info") cannot be told from no flag, and RTSP_LOG_LEVEL wins then.
 */
export const resolveLogLevel = (
  flag: Option.Option<LogLevelName>,
  current: LogLevel.LogLevel,
  fromEnv: Option.Option<LogLevelName>
): LogLevelName =>
  Option.getOrElse(flag, () =>
    current !== LogLevel.Info ? logLevelName(current) : Option.getOrElse(fromEnv, (): LogLevelName => "info"))

// --- option checks ------------------------------------------------------------

const invalid = (message: string) => ValidationError.invalidValue(HelpDoc.p(message))

/** Fails with a usage error naming the flag and its variable when `problem` says what is wrong. */
const checked = <A>(flag: string, env: string, problem: (value: A) => string | undefined) => (value: A) => {
  const text = problem(value)
  return text === undefined ? Effect.succeed(value) : Effect.fail(invalid(`--${flag} (${env}): ${text}`))
}

const integerIn = (min: number, max: number) => (value: number): string | undefined =>
  Number.isInteger(value) && value >= min && value <= max ? undefined : `must be an integer from ${min} to ${max}, got ${value}`

const portProblem = integerIn(0, 65535)

const rtpPortProblem = (value: number): string | undefined =>
  portProblem(value) ?? (value === 0 || (value % 2 === 0 && value <= 65534)
    ? undefined
    : `must be 0 (any free pair) or an even port up to 65534 (RTCP uses the next one), got ${value}`)

const fpsProblem = (value: number): string | undefined =>
  Number.isFinite(value) && value > 0 && value <= 240 ? undefined : `must be a number above 0 and at most 240, got ${value}`

const nonEmpty = (value: string): string | undefined => (value.trim() === "" ? "must not be empty" : undefined)

// --- options ------------------------------------------------------------------

const described = (text: string, env: string, shownDefault?: string) =>
  Options.withDescription(`${text} Environment: ${env}.${shownDefault === undefined ? "" : ` Default: ${shownDefault}.`}`)

const integerOption = (flag: string, env: string, fallback: number, text: string, problem: (n: number) => string | undefined) =>
  Options.integer(flag).pipe(
    Options.withDefault(fallback),
    Options.withFallbackConfig(Config.integer(env)),
    described(text, env, String(fallback)),
    Options.mapEffect(checked(flag, env, problem))
  )

const optionalNumber = (option: Options.Options<number>, flag: string, env: string, text: string, problem: (n: number) => string | undefined) =>
  option.pipe(
    Options.optional,
    Options.withFallbackConfig(Config.map(Config.number(env), Option.some)),
    described(text, env),
    Options.mapEffect((value: Option.Option<number>) =>
      Option.match(value, {
        onNone: () => Effect.succeed(value),
        onSome: (n) => Effect.as(checked(flag, env, problem)(n), value)
      })
    )
  )

const textOption = (flag: string, env: string, fallback: string, text: string) =>
  Options.text(flag).pipe(
    Options.withDefault(fallback),
    Options.withFallbackConfig(Config.string(env)),
    described(text, env, fallback),
    Options.mapEffect(checked(flag, env, nonEmpty))
  )

const host = textOption("host", "RTSP_HOST", defaultServerConfig.host, "Interface to listen on (RTSP over TCP, RTP/RTCP over UDP, HTTP).")
const port = integerOption("port", "RTSP_PORT", defaultServerConfig.port, "RTSP port; 0 picks a free one.", portProblem)
const media = textOption("media", "RTSP_MEDIA", defaultServerConfig.mediaRoot, "Folder whose MJPEG files are served (rtsp://host:port/<file>).")
const fps = optionalNumber(
  Options.float("fps"),
  "fps",
  "RTSP_FPS",
  "Frame rate for every file, overriding the rate recorded in it (default: the file's rate, else 20).",
  fpsProblem
)
const mtu = integerOption("mtu", "RTSP_MTU", defaultServerConfig.mtu, "Largest RTP packet in bytes for RFC 2435 payloads.", integerIn(200, 65000))
const rtpPort = integerOption(
  "rtp-port",
  "RTSP_RTP_PORT",
  defaultServerConfig.rtpPort,
  "Server UDP port for RTP (RTCP is the next one); 0 picks a free pair.",
  rtpPortProblem
)
const loop = Options.boolean("loop").pipe(
  Options.withFallbackConfig(Config.boolean("RTSP_LOOP")),
  described("Restart each file at its end instead of ending the stream.", "RTSP_LOOP", "false")
)
// Repeated, so RTSP_LIVE is read where the settings are made (a repeated option never falls back).
const live = Options.text("live").pipe(
  Options.repeated,
  described("A file under the media folder to serve as a live channel (repeatable): it plays from the server's start on one clock, looping, and every viewer joins at the frame due.", "RTSP_LIVE", "none")
)
const sessionTimeout = integerOption(
  "session-timeout",
  "RTSP_SESSION_TIMEOUT",
  defaultServerConfig.sessionTimeoutSeconds,
  "Session timeout in seconds advertised to standard clients; silent sessions are reaped a little after it.",
  integerIn(1, 86400)
)
const maxSessions = integerOption(
  "max-sessions",
  "RTSP_MAX_SESSIONS",
  defaultServerConfig.maxSessions,
  "Most sessions at once; SETUP beyond it is answered 453.",
  integerIn(1, 1_000_000)
)
const maxConnections = integerOption(
  "max-connections",
  "RTSP_MAX_CONNECTIONS",
  defaultServerConfig.maxConnections,
  "Most RTSP connections at once; more are answered 503 and closed.",
  integerIn(1, 1_000_000)
)
const maxConnectionsPerAddress = integerOption(
  "max-connections-per-address",
  "RTSP_MAX_CONNECTIONS_PER_ADDRESS",
  defaultServerConfig.maxConnectionsPerAddress,
  "Most connections one client address may hold; more are answered 503 with Retry-After and closed (--limits-exempt ranges: no cap).",
  integerIn(1, 1_000_000)
)
const maxSessionsPerAddress = integerOption(
  "max-sessions-per-address",
  "RTSP_MAX_SESSIONS_PER_ADDRESS",
  defaultServerConfig.maxSessionsPerAddress,
  "Most sessions one client address may hold; another SETUP is answered 503 with Retry-After.",
  integerIn(1, 1_000_000)
)
const maxRequestsPerSecond = integerOption(
  "max-requests-per-second",
  "RTSP_MAX_REQUESTS_PER_SECOND",
  defaultServerConfig.maxRequestsPerSecond,
  "Requests a second one client address may send (bursts of twice that pass); more are answered 503 with Retry-After.",
  integerIn(1, 1_000_000)
)
const maxBufferedBytes = integerOption(
  "max-buffered-bytes",
  "RTSP_MAX_BUFFERED_BYTES",
  defaultServerConfig.maxBufferedBytes,
  "Bytes of replies and interleaved media a connection's client may leave unread before the connection is closed.",
  integerIn(65_536, 1 << 30)
)
const limitsExempt = Options.text("limits-exempt").pipe(
  Options.withDefault(defaultServerConfig.limitsExempt.join(",")),
  Options.withFallbackConfig(Config.string("RTSP_LIMITS_EXEMPT")),
  described("Address ranges without per-address caps, comma-separated CIDR, or none.", "RTSP_LIMITS_EXEMPT", defaultServerConfig.limitsExempt.join(",")),
  Options.mapEffect(checkedRanges("limits-exempt", "RTSP_LIMITS_EXEMPT"))
)

const logFormat = Options.choice("log-format", LOG_FORMATS).pipe(
  Options.withDefault<LogFormat>("pretty"),
  Options.withFallbackConfig(Config.literal(...LOG_FORMATS)("RTSP_LOG_FORMAT")),
  described("Log lines on stderr: pretty (for people) or json (one object per line).", "RTSP_LOG_FORMAT", "pretty")
)
const httpPort = optionalNumber(
  Options.integer("http-port"),
  "http-port",
  "RTSP_HTTP_PORT",
  "Serve GET /metrics (Prometheus) and GET /healthz on this port; 0 picks a free one (default: no HTTP endpoint).",
  portProblem
)

const publish = Options.boolean("publish").pipe(
  Options.withFallbackConfig(Config.boolean("RTSP_PUBLISH")),
  described("Take publishers: ANNOUNCE and RECORD an MJPEG stream (RFC 2435) to a path, which viewers then play. Off, ANNOUNCE is answered 405.", "RTSP_PUBLISH", "false")
)
/** Comma-separated CIDR ranges, each checked; "none" (or nothing) is no range. */
function checkedRanges(flag: string, env: string) {
  return (text: string) => {
    const ranges = text.trim() === "none" ? [] : text.split(",").map((range) => range.trim()).filter((range) => range !== "")
    return Either.match(parseAddressRanges(ranges), {
      onLeft: (problem) => Effect.fail(invalid(`--${flag} (${env}): ${problem}`)),
      onRight: () => Effect.succeed(ranges)
    })
  }
}

const publishFrom = Options.text("publish-from").pipe(
  Options.withDefault(""),
  Options.withFallbackConfig(Config.string("RTSP_PUBLISH_FROM")),
  described("Address ranges publishers may come from, comma-separated CIDR (10.0.0.0/8,fd00::/8); others are answered 403.", "RTSP_PUBLISH_FROM", "loopback only"),
  Options.mapEffect(checkedRanges("publish-from", "RTSP_PUBLISH_FROM"))
)
const publisherTimeout = integerOption(
  "publisher-timeout",
  "RTSP_PUBLISHER_TIMEOUT",
  defaultServerConfig.publisherTimeoutSeconds,
  "Seconds without a whole frame from a publisher before it is ended and its viewers get BYE.",
  integerIn(1, 3600)
)

const ON_OFF = ["on", "off"] as const
const multicast = Options.choice("multicast", ON_OFF).pipe(
  Options.withDefault<"on" | "off">("on"),
  Options.withFallbackConfig(Config.literal(...ON_OFF)("RTSP_MULTICAST")),
  described("on: live channels and published paths also play to a multicast group (SETUP with RTP/AVP;multicast), one send per packet for every viewer; off: such a SETUP is answered 461.", "RTSP_MULTICAST", "on")
)
const multicastRange = Options.text("multicast-range").pipe(
  Options.withDefault(defaultServerConfig.multicastRange),
  Options.withFallbackConfig(Config.string("RTSP_MULTICAST_RANGE")),
  described("Where multicast groups come from (IPv4 CIDR inside 224.0.0.0/4): each live path watched over multicast gets the next free address.", "RTSP_MULTICAST_RANGE", defaultServerConfig.multicastRange),
  Options.mapEffect((text) =>
    Either.match(parseMulticastRange(text), {
      onLeft: (problem) => Effect.fail(invalid(`--multicast-range (RTSP_MULTICAST_RANGE): ${problem}`)),
      onRight: (range) => Effect.succeed(range.text)
    }))
)
const multicastPort = integerOption(
  "multicast-port",
  "RTSP_MULTICAST_PORT",
  defaultServerConfig.multicastPort,
  "RTP port of the first multicast group (RTCP is the next one); group i uses this + 2·i.",
  (value) => integerIn(1024, 65534)(value) ?? (value % 2 === 0 ? undefined : `must be even (RTCP uses the next one), got ${value}`)
)
const multicastTtl = integerOption(
  "multicast-ttl",
  "RTSP_MULTICAST_TTL",
  defaultServerConfig.multicastTtl,
  "Time-to-live of multicast packets: 1 keeps them on the local network, each router passed takes one.",
  integerIn(1, 255)
)

const UDP_BATCHING = ON_OFF
const udpBatching = Options.choice("udp-batching", UDP_BATCHING).pipe(
  Options.withDefault<"on" | "off">("on"),
  Options.withFallbackConfig(Config.literal(...UDP_BATCHING)("RTSP_UDP_BATCHING")),
  described("on: the frames due in one event-loop turn leave in one kernel call, segmented by the kernel (Linux GSO), where the platform can; off: one send per packet.", "RTSP_UDP_BATCHING", "on")
)

const workers = Options.text("workers").pipe(
  Options.withDefault("1"),
  Options.withFallbackConfig(Config.string("RTSP_WORKERS")),
  described(
    "Server processes sharing the RTSP port, each with its own RTP/RTCP pair (--rtp-port + 2·i); auto: one per core. " +
      "Above 1, this process supervises them and serves only the HTTP endpoint.",
    "RTSP_WORKERS",
    "1"
  ),
  Options.mapEffect((text) =>
    Either.match(parseWorkerCount(text, availableParallelism()), {
      onLeft: (problem) => Effect.fail(invalid(`--workers (RTSP_WORKERS): ${problem}`)),
      onRight: Effect.succeed
    }))
)

/** A text option with no default: undefined when neither the flag nor its variable is given. */
const optionalText = (flag: string, pseudoName: string, env: string, text: string, shownDefault: string) =>
  Options.text(flag).pipe(
    Options.withPseudoName(pseudoName),
    Options.optional,
    Options.withFallbackConfig(Config.map(Config.string(env), Option.some)),
    described(text, env, shownDefault),
    Options.mapEffect((value: Option.Option<string>) =>
      Option.match(value, {
        onNone: () => Effect.succeed(undefined),
        onSome: (given) => Effect.as(checked(flag, env, nonEmpty)(given), given)
      })
    )
  )

const impair = optionalText(
  "impair",
  "NAME|KNOBS",
  "RTSP_IMPAIR",
  "The impairment of every session that asks for none: a profile's name (lossy-wifi; see: effect-rtsp impairments) " +
    "or knobs as in a URL's query (loss=2%&jitter=15ms&seed=7).",
  "none"
)
const impairments = optionalText(
  "impairments",
  "FILE",
  "RTSP_IMPAIRMENTS",
  "A JSON file of named impairment profiles ({\"profiles\": {\"flaky\": {\"loss\": \"5%\", \"seed\": 7}}}), read at start: " +
    "?impair=NAME and --impair may name them beside the built-ins. A bad file stops the start, naming the path in it and the problem.",
  "built-ins only"
)

const users = optionalText(
  "users",
  "FILE",
  "RTSP_USERS",
  "The users file: users with their password hashes and the rules of who may read or publish which paths " +
    "(see: effect-rtsp users add). Paths no rule opens to anonymous ask for credentials (Digest, and Basic over RTSPS). A bad file stops the start.",
  "no authentication"
)
const allowBasicCleartext = Options.boolean("allow-basic-cleartext").pipe(
  Options.withFallbackConfig(Config.boolean("RTSP_ALLOW_BASIC_CLEARTEXT")),
  described("Offer and take Basic authentication on plain RTSP too, where the password crosses the network readable (off: Basic only over RTSPS).", "RTSP_ALLOW_BASIC_CLEARTEXT", "false")
)
const nonceLifetime = integerOption(
  "nonce-lifetime",
  "RTSP_NONCE_LIFETIME",
  defaultServerConfig.nonceLifetimeSeconds,
  "Seconds a Digest nonce is good for; an older one is answered stale=true and the client logs in again with a fresh one.",
  integerIn(1, 86400)
)

const tlsCert = optionalText(
  "tls-cert",
  "FILE",
  "RTSP_TLS_CERT",
  "The PEM certificate (chain) for RTSPS; with --tls-key the server also serves rtsps:// on --tls-port, RTP interleaved in the TLS connection. Read again on SIGHUP.",
  "no RTSPS"
)
const tlsKey = optionalText("tls-key", "FILE", "RTSP_TLS_KEY", "The PEM private key of --tls-cert (unencrypted). Read again on SIGHUP.", "no RTSPS")
const tlsPort = integerOption("tls-port", "RTSP_TLS_PORT", defaultServerConfig.tlsPort, "RTSPS (RTSP over TLS) port; 0 picks a free one.", portProblem)
const allowUdpWithTls = Options.boolean("allow-udp-with-tls").pipe(
  Options.withFallbackConfig(Config.boolean("RTSP_ALLOW_UDP_WITH_TLS")),
  described("Let a SETUP over RTSPS choose RTP over UDP, which then travels unencrypted (off: such a SETUP is answered 461).", "RTSP_ALLOW_UDP_WITH_TLS", "false")
)

const logLevel = Options.choice("log-level", LOG_LEVEL_NAMES).pipe(
  Options.optional,
  described("Least severe level logged (the global --log-level, accepted anywhere after serve).", "RTSP_LOG_LEVEL", "info")
)

/** RTSP_LOG_LEVEL, checked like the options; read apart from --log-level (see resolveLogLevel). */
const logLevelFromEnv = Options.none.pipe(
  Options.mapEffect(() =>
    Config.option(Config.string("RTSP_LOG_LEVEL")).pipe(
      Effect.mapError((error) => invalid(`RTSP_LOG_LEVEL: ${String(error)}`)),
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(Option.none<LogLevelName>()),
        onSome: (text) => {
          const name = text.trim().toLowerCase()
          return isLogLevelName(name)
            ? Effect.succeed(Option.some(name))
            : Effect.fail(invalid(`RTSP_LOG_LEVEL: must be one of ${LOG_LEVEL_NAMES.join(", ")}, got "${text}"`))
        }
      }))
    )
  )
)

/** Read before the command line is parsed (src/cli/config): here so that the flag is known, and shown in --help. */
const configFile = Options.file("config").pipe(
  Options.withPseudoName("FILE"),
  Options.optional,
  Options.withDescription("A YAML or JSON file of settings (see: effect-rtsp config check); each flag and variable beats it. Environment: RTSP_CONFIG.")
)

const serveOptions = {
  config: configFile,
  host,
  port,
  media,
  fps,
  mtu,
  rtpPort,
  loop,
  live,
  sessionTimeout,
  maxSessions,
  maxConnections,
  maxConnectionsPerAddress,
  maxSessionsPerAddress,
  maxRequestsPerSecond,
  maxBufferedBytes,
  limitsExempt,
  logFormat,
  logLevel,
  logLevelEnv: logLevelFromEnv,
  httpPort,
  udpBatching,
  publish,
  publishFrom,
  publisherTimeout,
  multicast,
  multicastRange,
  multicastPort,
  multicastTtl,
  workers,
  impair,
  impairments,
  users,
  allowBasicCleartext,
  nonceLifetime,
  tlsCert,
  tlsKey,
  tlsPort,
  allowUdpWithTls
}

// --- running ------------------------------------------------------------------

/** The settings for parsed options, with the log level as the built-in flag left it. */
/** RTSP_LIVE: comma-separated paths; none when unset. */
const liveFromEnv = Config.string("RTSP_LIVE").pipe(
  Config.map((text) => text.split(",").map((path) => path.trim()).filter((path) => path !== "")),
  Config.withDefault<ReadonlyArray<string>>([])
)

const settingsFrom = (flags: ServeOptions): Effect.Effect<ServeSettings> =>
  Effect.map(Effect.all([FiberRef.get(FiberRef.currentMinimumLogLevel), Clock.currentTimeMillis, Effect.orElseSucceed(liveFromEnv, () => [])]), ([current, now, envLive]) => {
    const options = flags.live.length === 0 ? { ...flags, live: envLive } : flags
    return {
      // The live channels' clock starts now, for every worker of a cluster alike.
      server: { ...serveConfigFrom(options), ...(options.live.length === 0 ? {} : { liveEpochMillis: now }) },
      logging: { level: resolveLogLevel(options.logLevel, current, options.logLevelEnv), format: options.logFormat },
      workers: options.workers
    }
  })

/** The server, its metrics and (with an HTTP port) the metrics endpoint, sharing one Metrics. */
export const serveLayer = (
  config: ServerConfig,
  configFile?: Omit<ConfigFileReload, "fs">
): Layer.Layer<
  RtspServer.RtspServer | Metrics.Metrics,
  ServerStartError | HttpEndpoint.HttpEndpointError,
  FileSystem.FileSystem | Path.Path
> => {
  // The ready line once the server listens and its media is scanned (src/server/readyLine.ts).
  const rtsp = Layer.effectDiscard(Effect.flatMap(RtspServer.RtspServer, (info) =>
    Effect.zipRight(
      Effect.logInfo(readyLine(config.host, info.port, [info])),
      Effect.forEach([
        ...(info.tlsPort === undefined ? [] : [rtspsLine(config.host, info.tlsPort)]),
        ...liveChannelLines(config.host, info.port, config.live),
        ...(config.publish ? [publishingLine(config.host, info.port, config.publishFrom.length === 0 ? LOOPBACK_RANGES : config.publishFrom)] : []),
        ...(config.multicast && (config.publish || config.live.length > 0) ? [multicastLine(config.multicastRange, config.multicastPort, config.multicastTtl)] : [])
      ], (line) => Effect.logInfo(line), { discard: true })
    ))).pipe(Layer.merge(reloadOnHangup(config, configFile)), Layer.provideMerge(RtspServer.layer(config)))
  // HTTP starts once RTSP listens, so /healthz never answers for a server that is not up.
  const withHttp = config.httpPort === undefined
    ? rtsp
    : Layer.discard(HttpEndpoint.layer({ host: config.host, port: config.httpPort })).pipe(Layer.provideMerge(rtsp))
  return withHttp.pipe(Layer.provideMerge(Metrics.layer))
}

/** The config file serve was started with (--config or RTSP_CONFIG), for SIGHUP to read again. */
const configFileReloadOf = (settings: ServeSettings): Omit<ConfigFileReload, "fs"> | undefined => {
  const args = process.argv.slice(2)
  const file = configFileIn(args, process.env)
  return file === undefined ? undefined : { file, settings, args }
}

export const TLS_NEEDS_ONE_PROCESS = "--tls-cert and --tls-key need one server process for now (a cluster's workers would not reload the certificate on SIGHUP): use --workers 1"

/**
 * Runs until interrupted (SIGINT/SIGTERM under NodeRuntime.runMain), then runs every finalizer:
 * this process's server, or with --workers above 1 the cluster's primary.
 */
export const runServer = (
  settings: ServeSettings
): Effect.Effect<void, ServerStartError | HttpEndpoint.HttpEndpointError | ClusterError, FileSystem.FileSystem | Path.Path> =>
{
  const run: Effect.Effect<void, ServerStartError | HttpEndpoint.HttpEndpointError | ClusterError, FileSystem.FileSystem | Path.Path> =
    settings.workers > 1 && settings.server.publish
      // A published path lives in the process its publisher reached; the other workers could not serve it.
      ? Effect.fail(new ServerStartError({ reason: "Publish", message: "--publish needs one server process: use --workers 1" }))
      // Workers cannot reload a certificate yet (SIGHUP reaches the primary only), and the ready line would not name the RTSPS port.
      : settings.workers > 1 && (settings.server.tlsCert !== undefined || settings.server.tlsKey !== undefined)
      ? Effect.fail(new ServerStartError({ reason: "Tls", message: TLS_NEEDS_ONE_PROCESS }))
      // The primary checks the impairment settings once, before forking workers that would each refuse them.
      : settings.workers > 1
      ? Effect.scoped(Effect.zipRight(Layer.build(hangupInCluster), Effect.zipRight(resolveImpairments(settings.server), runCluster(settings))))
      : Layer.launch(serveLayer(settings.server, configFileReloadOf(settings)))
  return run.pipe(Effect.provide(loggerLayer(settings.logging)))
}

/** The settings from variables (and the config file behind them) alone, no command line: what `config check` runs serve's checks with. */
export const settingsWithoutFlags = Options.parse(Options.all(serveOptions), HashMap.empty(), CliConfig.defaultConfig).pipe(Effect.flatMap(settingsFrom))

const SERVE_DESCRIPTION =
  "Serve the MJPEG files of a folder over RTSP/RTP until interrupted. Every flag can also come from its environment " +
  "variable or the --config file (a flag beats its variable, which beats the file, which beats the default). " +
  "--log-level (or RTSP_LOG_LEVEL) sets the least severe level logged."

/** The serve command with its handler given: tests, and `config print`, pass one that looks at the settings instead of serving. */
export const makeServeCommand = <E, R>(handler: (settings: ServeSettings) => Effect.Effect<void, E, R>, name = "serve", description = SERVE_DESCRIPTION) =>
  Command.make(name, serveOptions, (options) => Effect.flatMap(settingsFrom(options), handler)).pipe(Command.withDescription(description))

export const serveCommand = makeServeCommand(runServer)
