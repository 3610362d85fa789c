/**
 * RTCP codec (RFC 3550 §6): the data model, encoder, compound decoder and NTP helpers, each in
 * its own rtcp*.ts file, re-exported here as the one import point.
 */
export * from "./rtcpTypes.js"
export * from "./rtcpNtp.js"
export { encodeRtcpCompound, encodeRtcpPacket } from "./rtcpEncode.js"
export { decodeRtcpCompound } from "./rtcpDecode.js"
export * from "./rtcpFractionLost.js"
