/**
 * Every setting of `effect-rtsp serve`, one row each: its place in the config
 * file, its environment variable and its flag. The row is the one owner of that
 * mapping: the config file's schema is built from these rows, the file's values
 * reach the flags through their variables (so a flag beats the variable, which
 * beats the file, which beats the default), and the README's table lists them.
 */
import { LOG_FORMATS, LOG_LEVEL_NAMES } from "../../server/logging.js"
import type { ServeSettings } from "../serve.js"
export type SettingKind =
  | { readonly _tag: "Integer" }
  | { readonly _tag: "Number" }
  | { readonly _tag: "Boolean" }
  /** The flags' on|off, written true/false (or "on"/"off") in the file. */
  | { readonly _tag: "OnOff" }
  | { readonly _tag: "Text" }
  /** A path: relative ones are taken from the config file's folder. */
  | { readonly _tag: "Path" }
  /** Several texts; the variable holds them comma-separated. */
  | { readonly _tag: "List" }
  | { readonly _tag: "Choice"; readonly choices: ReadonlyArray<string> }
  /** An integer or one of these words ("auto"). */
  | { readonly _tag: "IntegerOr"; readonly words: ReadonlyArray<string> }

export interface SettingKey {
  /** Dotted place in the file: "listen.port". */
  readonly path: string
  readonly env: string
  readonly flag: string
  readonly kind: SettingKind
  /** The setting's value in the settings serve runs with (for `config print`). */
  readonly read: (settings: ServeSettings) => unknown
}

const key = (path: string, env: string, flag: string, kind: SettingKind, read: (settings: ServeSettings) => unknown): SettingKey => ({ path, env, flag, kind, read })
const integer: SettingKind = { _tag: "Integer" }
const number: SettingKind = { _tag: "Number" }
const boolean: SettingKind = { _tag: "Boolean" }
const onOff: SettingKind = { _tag: "OnOff" }
const text: SettingKind = { _tag: "Text" }
const path: SettingKind = { _tag: "Path" }
const list: SettingKind = { _tag: "List" }

export const SETTING_KEYS: ReadonlyArray<SettingKey> = [
  key("media", "RTSP_MEDIA", "--media", path, (s) => s.server.mediaRoot),
  key("listen.host", "RTSP_HOST", "--host", text, (s) => s.server.host),
  key("listen.port", "RTSP_PORT", "--port", integer, (s) => s.server.port),
  key("rtp.port", "RTSP_RTP_PORT", "--rtp-port", integer, (s) => s.server.rtpPort),
  key("rtp.mtu", "RTSP_MTU", "--mtu", integer, (s) => s.server.mtu),
  key("rtp.udpBatching", "RTSP_UDP_BATCHING", "--udp-batching", onOff, (s) => s.server.udpBatching),
  key("playback.fps", "RTSP_FPS", "--fps", number, (s) => s.server.fps),
  key("playback.loop", "RTSP_LOOP", "--loop", boolean, (s) => s.server.loop),
  key("live", "RTSP_LIVE", "--live", list, (s) => s.server.live),
  key("sessions.timeoutSeconds", "RTSP_SESSION_TIMEOUT", "--session-timeout", integer, (s) => s.server.sessionTimeoutSeconds),
  key("limits.maxSessions", "RTSP_MAX_SESSIONS", "--max-sessions", integer, (s) => s.server.maxSessions),
  key("limits.maxConnections", "RTSP_MAX_CONNECTIONS", "--max-connections", integer, (s) => s.server.maxConnections),
  key("limits.maxConnectionsPerAddress", "RTSP_MAX_CONNECTIONS_PER_ADDRESS", "--max-connections-per-address", integer, (s) => s.server.maxConnectionsPerAddress),
  key("limits.maxSessionsPerAddress", "RTSP_MAX_SESSIONS_PER_ADDRESS", "--max-sessions-per-address", integer, (s) => s.server.maxSessionsPerAddress),
  key("limits.maxRequestsPerSecond", "RTSP_MAX_REQUESTS_PER_SECOND", "--max-requests-per-second", integer, (s) => s.server.maxRequestsPerSecond),
  key("limits.maxBufferedBytes", "RTSP_MAX_BUFFERED_BYTES", "--max-buffered-bytes", integer, (s) => s.server.maxBufferedBytes),
  key("limits.exempt", "RTSP_LIMITS_EXEMPT", "--limits-exempt", list, (s) => s.server.limitsExempt),
  key("publish.enabled", "RTSP_PUBLISH", "--publish", boolean, (s) => s.server.publish),
  key("publish.from", "RTSP_PUBLISH_FROM", "--publish-from", list, (s) => s.server.publishFrom),
  key("publish.timeoutSeconds", "RTSP_PUBLISHER_TIMEOUT", "--publisher-timeout", integer, (s) => s.server.publisherTimeoutSeconds),
  key("multicast.enabled", "RTSP_MULTICAST", "--multicast", onOff, (s) => s.server.multicast),
  key("multicast.range", "RTSP_MULTICAST_RANGE", "--multicast-range", text, (s) => s.server.multicastRange),
  key("multicast.port", "RTSP_MULTICAST_PORT", "--multicast-port", integer, (s) => s.server.multicastPort),
  key("multicast.ttl", "RTSP_MULTICAST_TTL", "--multicast-ttl", integer, (s) => s.server.multicastTtl),
  key("auth.usersFile", "RTSP_USERS", "--users", path, (s) => s.server.usersFile),
  key("auth.allowBasicCleartext", "RTSP_ALLOW_BASIC_CLEARTEXT", "--allow-basic-cleartext", boolean, (s) => s.server.allowBasicCleartext),
  key("auth.nonceLifetimeSeconds", "RTSP_NONCE_LIFETIME", "--nonce-lifetime", integer, (s) => s.server.nonceLifetimeSeconds),
  key("tls.cert", "RTSP_TLS_CERT", "--tls-cert", path, (s) => s.server.tlsCert),
  key("tls.key", "RTSP_TLS_KEY", "--tls-key", path, (s) => s.server.tlsKey),
  key("tls.port", "RTSP_TLS_PORT", "--tls-port", integer, (s) => s.server.tlsPort),
  key("tls.allowUdp", "RTSP_ALLOW_UDP_WITH_TLS", "--allow-udp-with-tls", boolean, (s) => s.server.allowUdpWithTls),
  key("impairments.default", "RTSP_IMPAIR", "--impair", text, (s) => s.server.impair),
  key("impairments.file", "RTSP_IMPAIRMENTS", "--impairments", path, (s) => s.server.impairmentsFile),
  key("logging.level", "RTSP_LOG_LEVEL", "--log-level", { _tag: "Choice", choices: LOG_LEVEL_NAMES }, (s) => s.logging.level),
  key("logging.format", "RTSP_LOG_FORMAT", "--log-format", { _tag: "Choice", choices: LOG_FORMATS }, (s) => s.logging.format),
  key("metrics.httpPort", "RTSP_HTTP_PORT", "--http-port", integer, (s) => s.server.httpPort),
  key("workers", "RTSP_WORKERS", "--workers", { _tag: "IntegerOr", words: ["auto"] }, (s) => s.workers)
]

/** The variable naming the config file when --config is not given. */
export const CONFIG_ENV = "RTSP_CONFIG"
export const CONFIG_FLAG = "--config"
