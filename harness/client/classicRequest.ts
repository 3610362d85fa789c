/**
 * Requests in the classic teaching lab's dialect, byte for byte as its Client.py sends them:
 * `SETUP movie.Mjpeg RTSP/1.0\nCSeq: 1\nTransport: RTP/UDP; client_port= 25000` — a bare file
 * target, `\n` line ends and no final blank line (the server frames it by an idle pause).
 */

/** The bare file name a classic client sends for a URL: its last path segment, decoded. */
export const classicTarget = (url: string): string => {
  let path = url
  try {
    path = new URL(url).pathname
  } catch {
    // Already bare.
  }
  const last = path.split("/").filter((part) => part !== "").pop() ?? ""
  try {
    return decodeURIComponent(last)
  } catch {
    return last
  }
}

const NO_LINE_BREAK = /^[^\r\n]*$/

export const serializeClassicRequest = (method: string, target: string, headers: ReadonlyArray<readonly [string, string]>): Buffer => {
  const lines = [`${method} ${target} RTSP/1.0`, ...headers.map(([name, value]) => `${name}: ${value}`)]
  for (const line of lines) {
    // Our own inputs: a line break would inject a header, as serializeRequest also refuses.
    if (!NO_LINE_BREAK.test(line)) throw new RangeError(`classic request line ${JSON.stringify(line)} contains CR or LF`)
  }
  return Buffer.from(lines.join("\n"), "utf8")
}
