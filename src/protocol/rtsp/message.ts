/**
 * The RTSP message model (RFC 2326 §4, §6, §7, §10.12): requests, responses and `$` interleaved
 * frames, plus an immutable header list.
 *
 * Headers are an ordered list of `[name, value]` pairs: original order and spelling are kept for
 * serialization (the classic client reads replies by line position), lookups ignore case.
 *
 * Pure: no I/O.
 */

/** Ordered `[name, value]` pairs; a name may occur more than once. Never mutated. */
export type RtspHeaders = ReadonlyArray<readonly [name: string, value: string]>

export interface RtspRequest {
  readonly _tag: "Request"
  readonly method: string
  /** The request target as sent: `rtsp://host/path`, `*`, or a bare file name (classic client). */
  readonly uri: string
  /** As received, e.g. `RTSP/1.0` (the server, not the model, decides what it supports). */
  readonly version: string
  readonly headers: RtspHeaders
  readonly body: Buffer
}

export interface RtspResponse {
  readonly _tag: "Response"
  readonly version: string
  readonly statusCode: number
  readonly reason: string
  readonly headers: RtspHeaders
  readonly body: Buffer
}

/** One `$` frame on an RTSP TCP connection (RFC 2326 §10.12): RTP on even channels, RTCP on odd. */
export interface InterleavedFrame {
  readonly _tag: "Interleaved"
  /** 0..255 */
  readonly channel: number
  /** At most 65535 bytes. */
  readonly payload: Buffer
}

export type RtspMessage = RtspRequest | RtspResponse

export const RTSP_VERSION_1_0 = "RTSP/1.0"

export const EMPTY_BODY: Buffer = Buffer.alloc(0)

export const emptyHeaders: RtspHeaders = []

// ---------------------------------------------------------------------------------------------
// Header lookups (case-insensitive) and updates (returning new lists)

const sameName = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase()

/** The value of the first header called `name` (any case), if present. */
export const getHeader = (headers: RtspHeaders, name: string): string | undefined => {
  for (const [n, v] of headers) {
    if (sameName(n, name)) return v
  }
  return undefined
}

/** The values of every header called `name` (any case), in order. */
export const getHeaders = (headers: RtspHeaders, name: string): Array<string> => {
  const values: Array<string> = []
  for (const [n, v] of headers) {
    if (sameName(n, name)) values.push(v)
  }
  return values
}

export const hasHeader = (headers: RtspHeaders, name: string): boolean => getHeader(headers, name) !== undefined

/**
 * Sets `name` to `value`: the first header with that name (any case) keeps its position and
 * spelling and gets the new value, later duplicates are dropped; if absent it is appended.
 */
export const setHeader = (headers: RtspHeaders, name: string, value: string): RtspHeaders => {
  const result: Array<readonly [string, string]> = []
  let replaced = false
  for (const pair of headers) {
    if (!sameName(pair[0], name)) {
      result.push(pair)
    } else if (!replaced) {
      result.push([pair[0], value])
      replaced = true
    }
  }
  if (!replaced) result.push([name, value])
  return result
}

/** Appends a header even if one with that name exists (for headers that may repeat). */
export const appendHeader = (headers: RtspHeaders, name: string, value: string): RtspHeaders => [
  ...headers,
  [name, value]
]

/** Removes every header called `name` (any case). */
export const removeHeader = (headers: RtspHeaders, name: string): RtspHeaders =>
  headers.filter(([n]) => !sameName(n, name))

/** A copy of a request or response with header `name` set as by {@link setHeader}. */
export const withHeader = <M extends RtspMessage>(message: M, name: string, value: string): M => ({
  ...message,
  headers: setHeader(message.headers, name, value)
})

// ---------------------------------------------------------------------------------------------
// Status codes

/** Reason phrases of RFC 2326 §7.1.1. */
export const RTSP_REASON_PHRASES: ReadonlyMap<number, string> = new Map([
  [100, "Continue"],
  [200, "OK"],
  [201, "Created"],
  [250, "Low on Storage Space"],
  [300, "Multiple Choices"],
  [301, "Moved Permanently"],
  [302, "Moved Temporarily"],
  [303, "See Other"],
  [304, "Not Modified"],
  [305, "Use Proxy"],
  [400, "Bad Request"],
  [401, "Unauthorized"],
  [402, "Payment Required"],
  [403, "Forbidden"],
  [404, "Not Found"],
  [405, "Method Not Allowed"],
  [406, "Not Acceptable"],
  [407, "Proxy Authentication Required"],
  [408, "Request Time-out"],
  [410, "Gone"],
  [411, "Length Required"],
  [412, "Precondition Failed"],
  [413, "Request Entity Too Large"],
  [414, "Request-URI Too Large"],
  [415, "Unsupported Media Type"],
  [451, "Parameter Not Understood"],
  [452, "Conference Not Found"],
  [453, "Not Enough Bandwidth"],
  [454, "Session Not Found"],
  [455, "Method Not Valid in This State"],
  [456, "Header Field Not Valid for Resource"],
  [457, "Invalid Range"],
  [458, "Parameter Is Read-Only"],
  [459, "Aggregate operation not allowed"],
  [460, "Only aggregate operation allowed"],
  [461, "Unsupported transport"],
  [462, "Destination unreachable"],
  [500, "Internal Server Error"],
  [501, "Not Implemented"],
  [502, "Bad Gateway"],
  [503, "Service Unavailable"],
  [504, "Gateway Time-out"],
  [505, "RTSP Version not supported"],
  [551, "Option not supported"]
])

const CLASS_PHRASES = ["Informational", "Success", "Redirection", "Client Error", "Server Error"] as const

/** The standard phrase for `statusCode`, or a generic one for its class (RFC 2326 §7.1.1: x00 semantics). */
export const reasonPhrase = (statusCode: number): string =>
  RTSP_REASON_PHRASES.get(statusCode) ?? CLASS_PHRASES[Math.floor(statusCode / 100) - 1] ?? "Unknown"

// ---------------------------------------------------------------------------------------------
// Constructors

export const makeRequest = (fields: {
  readonly method: string
  readonly uri: string
  readonly headers?: RtspHeaders
  readonly body?: Buffer
  readonly version?: string
}): RtspRequest => ({
  _tag: "Request",
  method: fields.method,
  uri: fields.uri,
  version: fields.version ?? RTSP_VERSION_1_0,
  headers: fields.headers ?? emptyHeaders,
  body: fields.body ?? EMPTY_BODY
})

/** A response; the reason defaults to the standard phrase of `statusCode`. */
export const makeResponse = (fields: {
  readonly statusCode: number
  readonly reason?: string
  readonly headers?: RtspHeaders
  readonly body?: Buffer
  readonly version?: string
}): RtspResponse => ({
  _tag: "Response",
  version: fields.version ?? RTSP_VERSION_1_0,
  statusCode: fields.statusCode,
  reason: fields.reason ?? reasonPhrase(fields.statusCode),
  headers: fields.headers ?? emptyHeaders,
  body: fields.body ?? EMPTY_BODY
})

export const makeInterleavedFrame = (channel: number, payload: Buffer): InterleavedFrame => ({
  _tag: "Interleaved",
  channel,
  payload
})
