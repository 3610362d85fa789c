/**
 * NTP timestamp arithmetic for RTCP sender reports and the LSR/DLSR fields (RFC 3550 §4, §6.4.1).
 * Pure: the caller passes the wall-clock time.
 */
import type { NtpTimestamp } from "./rtcpTypes.js"

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
export const NTP_UNIX_EPOCH_OFFSET_SECONDS = 2_208_988_800

const TWO_POW_32 = 4_294_967_296

/** Converts Unix time in milliseconds (fractions allowed) to NTP; the seconds wrap modulo 2^32 (era 1 from 2036). */
export const ntpFromUnixMillis = (ms: number): NtpTimestamp => {
  const seconds = Math.floor(ms / 1000)
  // Remainder taken from whole milliseconds so the fraction keeps sub-millisecond precision.
  const remainderMs = ms - seconds * 1000
  const fraction = Math.min(Math.floor((remainderMs * TWO_POW_32) / 1000), TWO_POW_32 - 1)
  return { msw: (seconds + NTP_UNIX_EPOCH_OFFSET_SECONDS) >>> 0, lsw: fraction >>> 0 }
}

/** Converts NTP back to Unix milliseconds, assuming NTP era 0 (1900–2036). */
export const unixMillisFromNtp = (ntp: NtpTimestamp): number =>
  (ntp.msw - NTP_UNIX_EPOCH_OFFSET_SECONDS) * 1000 + (ntp.lsw * 1000) / TWO_POW_32

/** The middle 32 bits of a 64-bit NTP timestamp: the LSR field of a report block. */
export const ntpMiddle32 = (ntp: NtpTimestamp): number => (((ntp.msw & 0xffff) << 16) | (ntp.lsw >>> 16)) >>> 0

/** A duration in milliseconds as 1/65536-second units (the DLSR field), clamped to 32 bits. */
export const ntpShortFromMillis = (ms: number): number =>
  Math.min(Math.max(Math.round((ms * 65536) / 1000), 0), 0xffffffff)
