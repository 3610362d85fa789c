/** GStreamer's RTSP server as a test peer: the benchmark's peer module, shared. */
export { type GstRtspServer, SAMPLE, sampleFrames, startGstRtspServer } from "../../bench/gstRtspPeer.js"
