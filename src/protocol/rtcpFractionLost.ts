/**
 * RFC 3550 §6.4.1 / A.3: a report block's "fraction lost" is the share of
 * packets lost since the previous report as an 8-bit fixed-point number
 * (lost × 256 / expected), 0 when nothing was lost or packets were duplicated.
 */

export const fractionLostByte = (expectedInterval: number, lostInterval: number): number =>
  expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval))

/** The field as a ratio 0..1. */
export const fractionLostRatio = (fractionLost: number): number => fractionLost / 256
