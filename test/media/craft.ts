/**
 * Small JPEGs made with sharp, and byte surgery on them, for the media tests.
 * Every test file builds the same frames, so they are made once per file.
 */
import sharp from "sharp"

interface Make {
  readonly width?: number
  readonly height?: number
  readonly background?: string
  readonly quality?: number
  readonly chromaSubsampling?: "4:2:0" | "4:4:4"
  readonly progressive?: boolean
  readonly optimiseCoding?: boolean
  readonly gray?: boolean
}

export const makeJpeg = (make: Make = {}): Promise<Buffer> => {
  const image = sharp({
    create: { width: make.width ?? 64, height: make.height ?? 48, channels: 3, background: make.background ?? "#369" }
  })
  return (make.gray ? image.toColourspace("b-w") : image)
    .jpeg({
      quality: make.quality ?? 80,
      chromaSubsampling: make.chromaSubsampling ?? "4:2:0",
      optimiseCoding: make.optimiseCoding ?? false,
      progressive: make.progressive ?? false,
      mozjpeg: false
    })
    .toBuffer()
}

/** Deterministic noise (xorshift32), so that frame sizes do not change between runs. */
export const noise = (length: number, seed: number): Buffer => {
  const out = Buffer.alloc(length)
  let s = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = s & 0xff
  }
  return out
}

/** A baseline 4:2:0 JPEG of noise: large, and its scan data is full of stuffed FF 00 bytes. */
export const makeNoiseJpeg = (width: number, height: number, quality: number, seed = 7): Promise<Buffer> =>
  sharp(noise(width * height * 3, seed), { raw: { width, height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: "4:2:0", optimiseCoding: false, progressive: false, mozjpeg: false })
    .toBuffer()

/** Offset of the first segment with this marker, walking segment lengths from SOI (not a byte search). */
export const segmentOffset = (jpeg: Buffer, marker: number): number => {
  let at = 2
  while (at + 4 <= jpeg.length) {
    if (jpeg[at + 1] === marker) return at
    if (jpeg[at + 1] === 0xda) break
    at += 2 + jpeg.readUInt16BE(at + 2)
  }
  throw new Error(`no FF ${marker.toString(16)} segment before the scan`)
}

export const withByte = (jpeg: Buffer, at: number, value: number): Buffer => {
  const copy = Buffer.from(jpeg)
  copy[at] = value
  return copy
}

/** Inserts `bytes` at `at`. */
export const insertAt = (jpeg: Buffer, at: number, bytes: Buffer): Buffer =>
  Buffer.concat([jpeg.subarray(0, at), bytes, jpeg.subarray(at)])

export const segment = (marker: number, body: Buffer): Buffer => {
  const header = Buffer.from([0xff, marker, 0, 0])
  header.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([header, body])
}

/** A COM segment right after SOI. */
export const withComment = (jpeg: Buffer, text: string): Buffer =>
  insertAt(jpeg, 2, segment(0xfe, Buffer.from(text, "latin1")))

/** An EXIF-style APP1 segment right after SOI that holds a whole JPEG (the thumbnail, with its own SOI and EOI). */
export const withThumbnail = (jpeg: Buffer, thumbnail: Buffer): Buffer =>
  insertAt(jpeg, 2, segment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), thumbnail])))

/** A DRI segment right after SOI (the scan then lacks the RST markers: fine for parsing). */
export const withRestartInterval = (jpeg: Buffer, interval: number): Buffer => {
  const body = Buffer.alloc(2)
  body.writeUInt16BE(interval)
  return insertAt(jpeg, 2, segment(0xdd, body))
}

/** Lab `.Mjpeg` bytes, written by hand (independent of encodeLabMjpeg). */
export const labFile = (frames: ReadonlyArray<Buffer>): Buffer =>
  Buffer.concat(frames.flatMap((f) => [Buffer.from(String(f.length).padStart(5, "0"), "latin1"), f]))

/** Where each frame's JPEG starts in a lab file of these frames. */
export const labOffsets = (frames: ReadonlyArray<Buffer>): ReadonlyArray<number> => {
  const offsets: Array<number> = []
  let at = 0
  for (const f of frames) {
    offsets.push(at + 5)
    at += 5 + f.length
  }
  return offsets
}

/** Where each frame starts in a raw (concatenated) file of these frames. */
export const rawOffsets = (frames: ReadonlyArray<Buffer>): ReadonlyArray<number> => {
  const offsets: Array<number> = []
  let at = 0
  for (const f of frames) {
    offsets.push(at)
    at += f.length
  }
  return offsets
}

export interface Jpegs {
  /** Baseline 4:2:0 64x48 frames in three colours. */
  readonly a: Buffer
  readonly b: Buffer
  readonly c: Buffer
  readonly small: Buffer // 32x24
  readonly progressive: Buffer
  readonly optimised: Buffer
  readonly yuv444: Buffer
  readonly gray: Buffer
  readonly oddSize: Buffer // 60x44
  readonly wide: Buffer // 2048x16
  /** Noise frames: 20,468 < classic <= 65,495 < datagram <= 99,999 bytes. */
  readonly classicTooLarge: Buffer
  readonly datagramTooLarge: Buffer
}

export const buildJpegs = async (): Promise<Jpegs> => ({
  a: await makeJpeg({ background: "#336699" }),
  b: await makeJpeg({ background: "#993366" }),
  c: await makeJpeg({ background: "#669933" }),
  small: await makeJpeg({ width: 32, height: 24 }),
  progressive: await makeJpeg({ progressive: true }),
  optimised: await makeJpeg({ optimiseCoding: true, background: "#123456" }),
  yuv444: await makeJpeg({ chromaSubsampling: "4:4:4" }),
  gray: await makeJpeg({ gray: true }),
  oddSize: await makeJpeg({ width: 60, height: 44 }),
  wide: await makeJpeg({ width: 2048, height: 16 }),
  classicTooLarge: await makeNoiseJpeg(256, 160, 90),
  datagramTooLarge: await makeNoiseJpeg(320, 240, 95)
})
