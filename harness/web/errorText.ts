/**
 * What the web page says when an action fails: the client's typed errors in words a person can
 * act on (connection refused, 404, 454 …), with the client's own detail kept.
 */
import { RtspClientError } from "../client/RtspClient.js"
import { UdpSocketError } from "../../src/net/UdpSocket.js"
import { messageOf } from "../../src/common/errorText.js"

/** Plain words for the statuses people meet; others show the server's reason phrase. */
const STATUS_HINTS: Readonly<Record<number, string>> = {
  400: "the server found the request malformed",
  401: "the server wants credentials (put user:password@ in the URL)",
  403: "the server refused access",
  404: "the server has no such stream (check the path in the URL)",
  454: "the server does not know this session (it may have expired): press Setup again",
  455: "the server says this action is not valid in the session's state",
  461: "the server does not support this transport (try the other one)",
  500: "the server had an internal error",
  501: "the server does not implement this method",
  503: "the server is busy or at its session limit"
}

export const statusHint = (status: number): string | undefined => STATUS_HINTS[status]

export const describeError = (error: unknown): string => {
  if (error instanceof RtspClientError) {
    switch (error.reason) {
      case "Connect":
        if (/ECONNREFUSED/.test(error.message)) return `Connection refused: nothing is listening there (${error.message})`
        if (/ENOTFOUND|EAI_AGAIN/.test(error.message)) return `Unknown host (${error.message})`
        return `Cannot connect (${error.message})`
      case "Timeout":
        return `No answer in time (${error.message})`
      case "Closed":
        return `The server closed the connection (${error.message})`
      case "Protocol":
        return `The server's reply did not make sense${error.method === undefined ? "" : ` to ${error.method}`} (${error.message})`
      case "Status": {
        const hint = error.status === undefined ? undefined : statusHint(error.status)
        return hint === undefined ? error.message : `${error.message}: ${hint}`
      }
    }
  }
  if (error instanceof UdpSocketError) return `Cannot open the UDP ports for RTP (${error.message})`
  return messageOf(error)
}
