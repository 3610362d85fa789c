import fc from "fast-check"
import { formatRtpInfo, parseRtpInfo, type RtpInfo } from "../../../../src/protocol/rtsp/headers/rtp-info.js"
import { describeCodec } from "../../../support/describeCodec.js"

const url = fc.webUrl().map((u) => u.replace(/^https?:/, "rtsp:")).filter((u) => !/[;,\s]/.test(u))
const entry = fc.record(
  { url, seq: fc.integer({ min: 0, max: 0xffff }), rtptime: fc.integer({ min: 0, max: 0xffffffff }) },
  { requiredKeys: ["url"] }
)

describeCodec<RtpInfo>("RTP-Info header", {
  corpus: "rtp-info",
  decode: parseRtpInfo,
  encode: formatRtpInfo,
  header: "RTP-Info",
  cases: [
    [
      "url=rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0;seq=1;rtptime=0",
      [{ url: "rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0", seq: 1, rtptime: 0 }]
    ],
    // RFC 2326 §12.33 example shape: two streams.
    [
      "url=rtsp://foo.com/bar.avi/streamid=0;seq=45102,url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
      [
        { url: "rtsp://foo.com/bar.avi/streamid=0", seq: 45102 },
        { url: "rtsp://foo.com/bar.avi/streamid=1", seq: 30211 }
      ]
    ],
    [
      "url=rtsp://h/s/trackID=1;seq=65535;rtptime=4294967295",
      [{ url: "rtsp://h/s/trackID=1", seq: 65535, rtptime: 4294967295 }]
    ],
    ["url=rtsp://h/s?channel=1&subtype=0;rtptime=123", [{ url: "rtsp://h/s?channel=1&subtype=0", rtptime: 123 }]],
    ["url=trackID=0", [{ url: "trackID=0" }]]
  ],
  nonCanonical: [
    // Axis cameras put a space after the comma.
    [
      "url=rtsp://10.13.146.53/axis-media/media.amp/trackID=1;seq=58477;rtptime=1020884293, url=rtsp://10.13.146.53/axis-media/media.amp/trackID=2;seq=15727;rtptime=1171661503",
      "url=rtsp://10.13.146.53/axis-media/media.amp/trackID=1;seq=58477;rtptime=1020884293,url=rtsp://10.13.146.53/axis-media/media.amp/trackID=2;seq=15727;rtptime=1171661503"
    ],
    [
      "url=rtsp://h/a;seq=1;rtptime=2, url=rtsp://h/b;seq=3;rtptime=4",
      "url=rtsp://h/a;seq=1;rtptime=2,url=rtsp://h/b;seq=3;rtptime=4"
    ],
    ["url = rtsp://h/a ; seq = 7", "url=rtsp://h/a;seq=7"],
    ["rtptime=5;seq=6;url=rtsp://h/a", "url=rtsp://h/a;seq=6;rtptime=5"],
    ["URL=rtsp://h/a;SEQ=1", "url=rtsp://h/a;seq=1"],
    // RTSP 2.0 ssrc and other unknown parameters are dropped.
    ["url=rtsp://h/a;ssrc=0A13C760:seq=1;seq=2", "url=rtsp://h/a;seq=2"],
    ["url=rtsp://h/a;seq=000012", "url=rtsp://h/a;seq=12"],
    ["url=rtsp://h/a,,", "url=rtsp://h/a"]
  ],
  errors: [
    ["", "Empty"],
    [" , ", "Empty"],
    ["seq=1;rtptime=2", "MissingParameter"],
    ["url=rtsp://h/a,seq=1", "MissingParameter"],
    ["url=;seq=1", "Malformed"],
    ["url", "Malformed"],
    ["url=rtsp://h/a;seq=abc", "InvalidNumber"],
    ["url=rtsp://h/a;seq=-1", "InvalidNumber"],
    ["url=rtsp://h/a;seq=", "InvalidNumber"],
    ["url=rtsp://h/a;rtptime=1.5", "InvalidNumber"],
    ["url=rtsp://h/a;seq=65536", "OutOfRange"],
    ["url=rtsp://h/a;rtptime=4294967296", "OutOfRange"]
  ],
  values: fc.array(entry, { minLength: 1, maxLength: 4 })
})
