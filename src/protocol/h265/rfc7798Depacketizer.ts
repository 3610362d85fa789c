/**
 * RFC 7798: H.265 RTP payloads (single NAL unit packets, AP, FU; no DONL, that is
 * sprop-max-don-diff 0) back into access units, on the machine both NAL formats share
 * (../nal/nalDepacketizer.ts). PACI packets are not supported.
 */
import { makeNalDepacketizer, type NalDepacketizer, type NalPayloadFormat } from "../nal/nalDepacketizer.js"

export const H265_NAL_TYPE_VPS = 32
export const H265_NAL_TYPE_SPS = 33
export const H265_NAL_TYPE_PPS = 34
export const H265_TYPE_AP = 48
export const H265_TYPE_FU = 49

/** The type of an H.265 NAL unit (or packet) from the first byte of its 2-byte header. */
export const h265NalType = (firstHeaderByte: number): number => (firstHeaderByte >> 1) & 0x3f

/** IRAP pictures (BLA, IDR, CRA: types 16 to 21) are where a decoder can start. */
const isIrap = (type: number): boolean => type >= 16 && type <= 21

export const RFC7798: NalPayloadFormat = {
  rfc: "RFC 7798",
  headerBytes: 2,
  typeOf: (bytes) => h265NalType(bytes[0]!),
  // 0-40 are defined VCL and non-VCL types; 41-47 are reserved.
  isSingle: (type) => type <= 40,
  aggregate: { type: H265_TYPE_AP, name: "AP" },
  fragment: { type: H265_TYPE_FU, name: "FU" },
  unsupported: { 50: "PACI" },
  fuHeaderOf: (payload) => payload[2]!,
  // F, LayerId and TID from the payload header, the type from the FU header.
  fragmentNalHeader: (payload) => Buffer.from([(payload[0]! & 0x81) | ((payload[2]! & 0x3f) << 1), payload[1]!]),
  isKeyframe: (nal) => nal.length >= 2 && isIrap(h265NalType(nal[0]!))
}

export const makeRfc7798Depacketizer = (): NalDepacketizer => makeNalDepacketizer(RFC7798)
