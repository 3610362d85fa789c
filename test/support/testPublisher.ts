/**
 * A publisher for the server's own tests, over TCP interleaved with the raw client: ANNOUNCE
 * (any SDP), SETUP with mode=record, RECORD, then RTP packets as `$` frames, exactly as given,
 * good or bad. The interop tests publish with ffmpeg and GStreamer instead.
 */
import { getHeader, type RtspResponse } from "../../src/protocol/rtsp/message.js"
import { serializeInterleaved } from "../../src/protocol/rtsp/serializer.js"
import { connectClient, sessionIdOf, type TestRtspClient } from "./rtspTestClient.js"
import { JPEG_SDP } from "./rtpJpegSource.js"

export interface TestPublisher {
  readonly client: TestRtspClient
  readonly url: string
  /** The ANNOUNCE reply. */
  readonly announced: RtspResponse
  /** SETUP and RECORD; the RECORD reply. */
  readonly record: () => Promise<RtspResponse>
  readonly sendRtp: (packets: ReadonlyArray<Buffer>) => void
  readonly teardown: () => Promise<RtspResponse>
}

let cseq = 1000

/** A request with a body, written by hand (the raw client's request() sends none). */
export const requestWithBody = (client: TestRtspClient, method: string, url: string, contentType: string, body: string): Promise<RtspResponse> => {
  const bytes = Buffer.from(body)
  client.send(`${method} ${url} RTSP/1.0\r\nCSeq: ${cseq++}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n${body}`)
  return client.nextResponse()
}

export const announcePath = async (port: number, path: string, sdp = JPEG_SDP): Promise<TestPublisher> => {
  const client = await connectClient(port)
  const url = `rtsp://127.0.0.1:${port}/${path}`
  const announced = await requestWithBody(client, "ANNOUNCE", url, "application/sdp", sdp)
  let session = ""
  return {
    client,
    url,
    announced,
    record: async () => {
      const setup = await client.request("SETUP", `${url}/streamid=0`, { Transport: "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record" })
      if (setup.statusCode !== 200) return setup
      session = sessionIdOf(setup)
      return client.request("RECORD", url, { Session: session, Range: "npt=0.000-" })
    },
    sendRtp: (packets) => {
      for (const packet of packets) client.send(serializeInterleaved(0, packet))
    },
    teardown: () => client.request("TEARDOWN", url, { Session: session })
  }
}

export const statusOf = (response: RtspResponse): string => `${response.statusCode}${getHeader(response.headers, "Allow") === undefined ? "" : ` Allow: ${getHeader(response.headers, "Allow")}`}`
