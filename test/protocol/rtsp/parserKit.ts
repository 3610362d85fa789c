/** Shared helpers for the RTSP parser tests: text to bytes, chunked pushing and the OPTIONS request they parse. */
import { makeRequest } from "../../../src/protocol/rtsp/message.js"
import type { RtspParser, RtspParseResult } from "../../../src/protocol/rtsp/parser.js"

export const bytes = (text: string): Buffer => Buffer.from(text, "utf8")

export const pushAll = (parser: RtspParser, chunks: ReadonlyArray<Uint8Array>): Array<RtspParseResult> =>
  chunks.flatMap((chunk) => [...parser.push(chunk)])

export const byteByByte = (data: Buffer): Array<Buffer> => Array.from(data, (_, i) => data.subarray(i, i + 1))

export const options = makeRequest({ method: "OPTIONS", uri: "*", headers: [["CSeq", "1"]] })
