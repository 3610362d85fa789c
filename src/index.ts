/**
 * effect-rtsp's public API for embedding. Each area is a namespace so names
 * stay unambiguous: `Jpeg.packetizeRfc2435`, `Rtsp.makeRtspParser`,
 * `Server.layer(config)`, ...
 * The protocol namespaces are pure codecs (bytes in, data out); `Media`,
 * `Server` and `Net` are Effect services and layers.
 */
export * as H264 from "./protocol/h264/index.js"
export * as H265 from "./protocol/h265/index.js"
export * as Jpeg from "./protocol/jpeg/index.js"
export * as Media from "./media/index.js"
export * as MediaLibrary from "./media/MediaLibrary.js"
export * as Net from "./net/UdpSocket.js"
export * as Rtcp from "./protocol/rtcp.js"
export * as Rtp from "./protocol/rtp.js"
export * as Rtsp from "./protocol/rtsp/index.js"
export * as Sdp from "./protocol/sdp.js"
export * as Server from "./server/index.js"
