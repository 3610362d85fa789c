/**
 * The lexical rules of RTSP messages (RFC 2326 §15, RFC 2616 §2.2) and of the `$` interleaved
 * frame (RFC 2326 §10.12), shared by the parser and the serializer.
 */

/** RFC 2616 `token` characters, as a regex character class body. */
const TOKEN_CHARS = "!#$%&'*+\\-.^_`|~0-9A-Za-z"

/** A method or header name. */
export const TOKEN = new RegExp(`^[${TOKEN_CHARS}]+$`)
/** Request line `Method URI RTSP/x.y`; linear-time (no ambiguous adjacent quantifiers): input is untrusted. */
export const REQUEST_LINE = new RegExp(`^([${TOKEN_CHARS}]+)[ \\t]+([^\\s\\x00-\\x1f\\x7f]+)[ \\t]+(RTSP\\/\\d+\\.\\d+)[ \\t]*$`)
/** One start-line field (URI, version): no whitespace or control characters. */
export const START_LINE_FIELD = /^[^\s\x00-\x1f\x7f]+$/

/** `$`: the first byte of an interleaved frame. */
export const INTERLEAVED_MARKER = 0x24
/** `$`, channel, 16-bit length. */
export const INTERLEAVED_HEADER_SIZE = 4
export const MAX_INTERLEAVED_PAYLOAD = 0xffff
