/**
 * RFC 6184: H.264 RTP payloads (single NAL unit packets, STAP-A, FU-A; packetization modes 0
 * and 1) back into access units, on the machine both NAL formats share (../nal/nalDepacketizer.ts).
 */
import { makeNalDepacketizer, type NalDepacketizer, type NalPayloadFormat } from "../nal/nalDepacketizer.js"

export const NAL_TYPE_IDR = 5
export const NAL_TYPE_SPS = 7
export const NAL_TYPE_PPS = 8
export const NAL_TYPE_STAP_A = 24
export const NAL_TYPE_FU_A = 28

/** The NAL unit type of an H.264 NAL header byte. */
export const nalType = (headerByte: number): number => headerByte & 0x1f

export const RFC6184: NalPayloadFormat = {
  rfc: "RFC 6184",
  headerBytes: 1,
  typeOf: (bytes) => nalType(bytes[0]!),
  isSingle: (type) => type >= 1 && type <= 23,
  aggregate: { type: NAL_TYPE_STAP_A, name: "STAP-A" },
  fragment: { type: NAL_TYPE_FU_A, name: "FU-A" },
  unsupported: { 25: "STAP-B (interleaved mode)", 26: "MTAP16 (interleaved mode)", 27: "MTAP24 (interleaved mode)", 29: "FU-B (interleaved mode)" },
  fuHeaderOf: (payload) => payload[1]!,
  // F and NRI from the FU indicator, the type from the FU header.
  fragmentNalHeader: (payload) => Buffer.from([(payload[0]! & 0xe0) | (payload[1]! & 0x1f)]),
  isKeyframe: (nal) => nalType(nal[0]!) === NAL_TYPE_IDR
}

export const makeRfc6184Depacketizer = (): NalDepacketizer => makeNalDepacketizer(RFC6184)
