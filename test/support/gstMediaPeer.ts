/**
 * GStreamer's RTSP server serving H.264 or H.265 video with AAC, Opus or G.711 audio, as a
 * camera would: a Matroska file ffmpeg made (libx264/libx265, a fixed GOP, no B-frames), demuxed
 * and payloaded as it is, never re-encoded (rtph264pay/rtph265pay with the parameter sets in band
 * before every keyframe, rtpmp4gpay/rtpopuspay). G.711 (PCMU) is GStreamer's own tone, 20 ms a
 * packet, beside the file's video (Matroska has no place for it).
 */
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { type GstRtspServer, startGstLaunchServer } from "../../bench/gstRtspPeer.js"

export type VideoCodec = "h264" | "h265"
export type AudioCodec = "aac" | "opus" | "pcmu"

export interface SourceSpec {
  readonly video: VideoCodec
  readonly audio?: AudioCodec
  readonly width: number
  readonly height: number
  readonly fps: number
  readonly seconds: number
  /** Frames from one keyframe to the next. */
  readonly gop: number
}

const VIDEO_ENCODERS: Readonly<Record<VideoCodec, ReadonlyArray<string>>> = {
  h264: ["-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-sc_threshold", "0"],
  h265: ["-c:v", "libx265", "-preset", "veryfast"]
}

/** Makes the source file with ffmpeg (a moving test pattern and a tone); returns its path. */
export const makeSource = (dir: string, spec: SourceSpec): string => {
  const file = join(dir, `${spec.video}-${spec.audio ?? "silent"}.mkv`)
  const gop = spec.video === "h265"
    ? ["-x265-params", `bframes=0:keyint=${spec.gop}:min-keyint=${spec.gop}:scenecut=0:log-level=error`]
    : ["-g", String(spec.gop), "-keyint_min", String(spec.gop)]
  const inFile = spec.audio === "aac" || spec.audio === "opus"
  const audio = inFile ? ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"] : []
  const audioCodec = spec.audio === "aac" ? ["-c:a", "aac", "-b:a", "64k"] : spec.audio === "opus" ? ["-c:a", "libopus", "-b:a", "64k"] : []
  const args = [
    "-hide_banner", "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    ...audio,
    "-t", String(spec.seconds),
    ...VIDEO_ENCODERS[spec.video], ...gop, "-pix_fmt", "yuv420p",
    ...audioCodec,
    file
  ]
  const made = spawnSync("ffmpeg", args, { encoding: "utf8" })
  if (made.status !== 0) throw new Error(`ffmpeg could not make ${file}: ${made.stderr}`)
  return file
}

const VIDEO_PAY: Readonly<Record<VideoCodec, string>> = {
  h264: "h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1",
  h265: "h265parse ! rtph265pay name=pay0 pt=96 config-interval=-1"
}
const AUDIO_PAY: Readonly<Record<AudioCodec, (seconds: number) => string>> = {
  aac: () => " d.audio_0 ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97",
  opus: () => " d.audio_0 ! queue ! opusparse ! rtpopuspay name=pay1 pt=97",
  // 50 packets of 160 samples a second at 8 kHz.
  pcmu: (seconds) => ` audiotestsrc num-buffers=${seconds * 50} samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1`
}

export const MEDIA_MOUNT = "camera"

/** GStreamer's RTSP server streaming `file` (made by makeSource with `spec`) at rtsp://127.0.0.1:<port>/camera. */
export const startMediaPeer = (file: string, spec: SourceSpec): Promise<GstRtspServer> => {
  const location = file.replace(/\\/g, "\\\\").replace(/"/g, '\\"')
  const audio = spec.audio === undefined ? "" : AUDIO_PAY[spec.audio](spec.seconds)
  const launch = `( filesrc location="${location}" ! matroskademux name=d d.video_0 ! queue ! ${VIDEO_PAY[spec.video]}${audio} )`
  return startGstLaunchServer(launch, MEDIA_MOUNT)
}
