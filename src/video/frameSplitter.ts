/**
 * Cuts a byte stream of fixed-size raw frames (ffmpeg's rawvideo output) into
 * frames, whatever the chunk boundaries: `push(chunk)` returns the frames it
 * completed (each a fresh buffer the caller may keep).
 */
export interface FrameSplitter {
  readonly push: (chunk: Uint8Array) => ReadonlyArray<Buffer>
  /** Bytes of an incomplete frame held back (non-zero at the end means the stream was cut). */
  readonly pending: () => number
}

export const makeFrameSplitter = (frameBytes: number): FrameSplitter => {
  let current = Buffer.allocUnsafe(frameBytes)
  let filled = 0
  return {
    push: (chunk) => {
      const frames: Array<Buffer> = []
      let at = 0
      while (at < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - at)
        current.set(chunk.subarray(at, at + take), filled)
        filled += take
        at += take
        if (filled === frameBytes) {
          frames.push(current)
          current = Buffer.allocUnsafe(frameBytes)
          filled = 0
        }
      }
      return frames
    },
    pending: () => filled
  }
}
