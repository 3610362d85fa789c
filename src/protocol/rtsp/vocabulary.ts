/**
 * The words server, harness and metrics share for an RTSP session, declared once.
 */

/** Which RTSP a connection speaks: RFC 2326 with rtsp:// URLs, or the teaching lab's (see classic.ts). */
export type Dialect = "standard" | "classic"
export const DIALECTS: ReadonlyArray<Dialect> = ["standard", "classic"]

/**
 * How RTP travels: UDP datagrams to the client, `$`-interleaved in the RTSP TCP connection
 * (RFC 2326 §10.12), or UDP to a multicast group the server chose, shared by every viewer of a live path.
 */
export type TransportKind = "udp" | "tcp" | "multicast"
export const TRANSPORT_KINDS: ReadonlyArray<TransportKind> = ["udp", "tcp", "multicast"]

/** RFC 2326 Appendix A session states ("init": no SETUP yet). */
export type SessionState = "init" | "ready" | "playing" | "recording"
export const SESSION_STATES: ReadonlyArray<SessionState> = ["init", "ready", "playing", "recording"]

/** Every RTSP 1.0 method (RFC 2326 §10), as a request line spells it. */
export const RTSP_METHODS = [
  "ANNOUNCE", "DESCRIBE", "GET_PARAMETER", "OPTIONS", "PAUSE", "PLAY",
  "RECORD", "REDIRECT", "SETUP", "SET_PARAMETER", "TEARDOWN"
] as const
export type RtspMethod = (typeof RTSP_METHODS)[number]
