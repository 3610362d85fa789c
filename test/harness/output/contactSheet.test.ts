import { FileSystem } from "@effect/platform"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import sharp from "sharp"
import {
  ContactSheetError,
  contactSheetLayout,
  makeContactSheetCollector,
  writeContactSheet
} from "../../../harness/output/contactSheet.js"
import { loadMjpegFile } from "../../../src/media/index.js"

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "effect-rtsp-sheet-" }))

/** Per-channel mean and max of raw RGB pixels (sharp's stats() reads the whole input, not an extract). */
const channelStats = (data: Buffer) => {
  const sum = [0, 0, 0]
  const max = [0, 0, 0]
  for (let i = 0; i < data.length; i++) {
    const ch = i % 3
    sum[ch]! += data[i]!
    max[ch] = Math.max(max[ch]!, data[i]!)
  }
  const n = data.length / 3
  return sum.map((s, ch) => ({ mean: s / n, max: max[ch]! }))
}

const rgb = (image: Buffer | string, area?: { left: number; top: number; width: number; height: number }) =>
  Effect.promise(() => (area ? sharp(image).extract(area) : sharp(image)).removeAlpha().raw().toBuffer()).pipe(Effect.map(channelStats))

const tiny = (n: number): Buffer => Buffer.from([n & 0xff, (n >> 8) & 0xff])

describe("makeContactSheetCollector", () => {
  it("keeps every frame, in order, while under the budget", () => {
    const c = makeContactSheetCollector(24)
    for (let i = 0; i < 10; i++) c.add(100 + i, tiny(i))
    expect(c.selected().map((f) => f.index)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
    expect(c.selected()[3]?.jpeg).toEqual(tiny(3))
  })

  it("returns nothing before the first frame", () => {
    expect(makeContactSheetCollector().selected()).toEqual([])
  })

  it.each([100, 1_000, 4_321, 20_000])("spreads %i frames evenly from first to last with bounded memory", (total) => {
    const c = makeContactSheetCollector(24)
    let maxHeld = 0
    for (let i = 0; i < total; i++) {
      c.add(i * 2, tiny(i))
      maxHeld = Math.max(maxHeld, c.held())
    }
    expect(maxHeld).toBeLessThanOrEqual(4 * 24 + 1)
    const picked = c.selected()
    expect(picked.length).toBe(24)
    const ordinals = picked.map((f) => f.index / 2)
    expect(ordinals[0]).toBe(0)
    expect(ordinals[23]).toBe(total - 1)
    const ideal = (total - 1) / 23
    for (let i = 1; i < ordinals.length; i++) {
      const gap = ordinals[i]! - ordinals[i - 1]!
      expect(gap).toBeGreaterThan(0.5 * ideal)
      expect(gap).toBeLessThan(1.5 * ideal)
    }
    // Each selected thumbnail carries the bytes that were added with its index.
    for (const f of picked) expect(f.jpeg).toEqual(tiny(f.index / 2))
  })

  it("copies the frame bytes (the caller may reuse its buffer)", () => {
    const c = makeContactSheetCollector(4)
    const buf = Buffer.from([1, 2, 3])
    c.add(0, buf)
    buf[0] = 9
    expect(c.selected()[0]?.jpeg).toEqual(Buffer.from([1, 2, 3]))
  })
})

describe("contactSheetLayout", () => {
  it("lays out a grid of tiles with a label band under each", () => {
    const layout = contactSheetLayout(7, 384, 288, { columns: 3, thumbWidth: 96 })
    expect(layout).toMatchObject({ columns: 3, rows: 3, thumbWidth: 96, thumbHeight: 72 })
    // 8 px margins and gaps, a 16 px label band.
    expect([layout.width, layout.height]).toEqual([8 + 3 * (96 + 8), 8 + 3 * (72 + 16 + 8)])
    expect(layout.tiles[0]).toEqual({ left: 8, top: 8 })
    expect(layout.tiles[4]).toEqual({ left: 8 + 104, top: 8 + 96 })
    expect(layout.tiles.length).toBe(7)
  })

  it("never has more columns than frames", () => {
    expect(contactSheetLayout(2, 100, 100).columns).toBe(2)
  })
})

describe("writeContactSheet", () => {
  it.scoped("writes a PNG of the grid's size whose tiles look like their frames, labelled", () =>
    Effect.gen(function*() {
      const video = yield* loadMjpegFile("video/movie.Mjpeg")
      const step = Math.floor(video.frames.length / 7)
      const frames = Array.from({ length: 7 }, (_, i) => {
        const f = video.frames[i * step]!
        return { index: f.index, jpeg: f.jpeg }
      })
      const file = join(yield* tempDir, "sheet.png")
      const layout = yield* writeContactSheet(frames, file, { columns: 3, thumbWidth: 96 })
      const meta = yield* Effect.promise(() => sharp(file).metadata())
      expect(meta.format).toBe("png")
      expect([meta.width, meta.height]).toEqual([layout.width, layout.height])
      expect([layout.columns, layout.rows]).toEqual([3, 3])

      const region = (left: number, top: number, width: number, height: number) => rgb(file, { left, top, width, height })
      for (const [i, frame] of frames.entries()) {
        const tile = layout.tiles[i]!
        const got = yield* region(tile.left, tile.top, layout.thumbWidth, layout.thumbHeight)
        const want = yield* rgb(frame.jpeg)
        for (let ch = 0; ch < 3; ch++) expect(Math.abs(got[ch]!.mean - want[ch]!.mean)).toBeLessThan(4)
      }
      // The label band under a tile holds bright digit pixels on the dark background.
      const first = layout.tiles[0]!
      const band = yield* region(first.left, first.top + layout.thumbHeight, layout.thumbWidth, 16)
      expect(band[0]!.max).toBeGreaterThan(150)
      // The slot after the last frame is background.
      const empty = yield* region(first.left + 2 * (layout.thumbWidth + 8), first.top + 2 * (layout.thumbHeight + 24), layout.thumbWidth, layout.thumbHeight)
      expect(empty[0]!.max).toBeLessThan(40)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("zero frames is a NoFrames error and no file", () =>
    Effect.gen(function*() {
      const file = join(yield* tempDir, "sheet.png")
      const error = yield* Effect.flip(writeContactSheet([], file))
      expect(error).toBeInstanceOf(ContactSheetError)
      expect(error.reason).toBe("NoFrames")
      const fs = yield* FileSystem.FileSystem
      expect(yield* fs.exists(file)).toBe(false)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scoped("an undecodable frame is a Decode error naming it", () =>
    Effect.gen(function*() {
      const video = yield* loadMjpegFile("video/movie.Mjpeg")
      const file = join(yield* tempDir, "sheet.png")
      const frames = [{ index: 0, jpeg: video.frames[0]!.jpeg }, { index: 40, jpeg: Buffer.from("garbage") }]
      const error = yield* Effect.flip(writeContactSheet(frames, file))
      expect(error).toMatchObject({ reason: "Decode", frameIndex: 40 })
      expect(error.message).toContain("frame 40")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
