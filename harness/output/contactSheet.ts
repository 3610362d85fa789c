/**
 * `play --contact-sheet FILE.png`: one PNG with a grid of thumbnails of
 * frames spread over the whole run, each labelled with its frame index.
 *
 * The collector is pure and holds at most 4 × maxThumbs + 1 frames however long
 * the run: it keeps every k-th frame and, when over budget, doubles k and
 * drops every other kept frame. Labels are seven-segment digits drawn as
 * rectangles (src/video/sevenSegment.ts), so no system font is needed.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Data, Effect } from "effect"
import sharp from "sharp"
import { describePlatformError, messageOf } from "../../src/common/errorText.js"
import { digitsWidth, numberRects } from "../../src/video/sevenSegment.js"

export interface SheetFrame {
  readonly index: number
  readonly jpeg: Buffer
}

export interface ContactSheetCollector {
  readonly add: (index: number, jpeg: Buffer) => void
  /** Up to maxThumbs frames, in arrival order, spread evenly over everything added (the last frame included). */
  readonly selected: () => ReadonlyArray<SheetFrame>
  /** Frames held right now (bounded by 4 × maxThumbs + 1 whatever the run length). */
  readonly held: () => number
}

interface Kept extends SheetFrame {
  /** 0-based position among all frames added. */
  readonly ordinal: number
}

/**
 * Picks `count` of the kept frames (ascending ordinals) nearest to evenly
 * spaced targets from the first to the last ordinal, each pick after the
 * previous one and leaving room for the rest.
 */
const spread = (items: ReadonlyArray<Kept>, count: number): ReadonlyArray<Kept> => {
  if (items.length <= count) return items
  const first = items[0]?.ordinal ?? 0
  const lastOrdinal = items[items.length - 1]?.ordinal ?? 0
  if (count <= 1) return items.slice(items.length - 1)
  const picked: Array<Kept> = []
  let j = 0
  for (let i = 0; i < count; i++) {
    const target = first + (i * (lastOrdinal - first)) / (count - 1)
    const maxJ = items.length - (count - i)
    while (j < maxJ && Math.abs((items[j + 1]?.ordinal ?? Infinity) - target) <= Math.abs((items[j]?.ordinal ?? 0) - target)) j++
    const item = items[j]
    if (item !== undefined) picked.push(item)
    j++
  }
  return picked
}

/** Kept candidates per thumbnail: more means evener spacing (at 4, gaps stay within about ±25 % of the ideal on long runs). */
const KEEP_FACTOR = 4

export const makeContactSheetCollector = (maxThumbs = 24): ContactSheetCollector => {
  const budget = Math.max(1, Math.floor(maxThumbs))
  let kept: Array<Kept> = []
  let stride = 1
  let added = 0
  let last: Kept | undefined

  const add = (index: number, jpeg: Buffer): void => {
    const ordinal = added++
    // A copy: the caller's buffer may be a view that pins a larger allocation.
    const frame = { index, jpeg: Buffer.from(jpeg), ordinal }
    if (ordinal % stride === 0) {
      kept.push(frame)
      if (kept.length > KEEP_FACTOR * budget) {
        stride *= 2
        kept = kept.filter((f) => f.ordinal % stride === 0)
      }
    }
    // The newest frame is remembered apart when it is not kept, so the sheet ends where the run ended.
    last = kept[kept.length - 1]?.ordinal === ordinal ? undefined : frame
  }

  const selected = (): ReadonlyArray<SheetFrame> => {
    const candidates = last === undefined ? kept : [...kept, last]
    return spread(candidates, budget).map(({ index, jpeg }) => ({ index, jpeg }))
  }

  return { add, selected, held: () => kept.length + (last === undefined ? 0 : 1) }
}

export type ContactSheetErrorReason = "NoFrames" | "Decode" | "Encode" | "Write"

export class ContactSheetError extends Data.TaggedError("ContactSheetError")<{
  readonly reason: ContactSheetErrorReason
  readonly message: string
  readonly frameIndex?: number
  readonly cause?: unknown
}> {}

export interface ContactSheetOptions {
  readonly columns?: number
  readonly thumbWidth?: number
}

export interface TilePlacement {
  readonly left: number
  readonly top: number
}

export interface ContactSheetLayout {
  readonly columns: number
  readonly rows: number
  readonly thumbWidth: number
  readonly thumbHeight: number
  readonly width: number
  readonly height: number
  /** Top-left corner of each thumbnail, in frame order (row by row). */
  readonly tiles: ReadonlyArray<TilePlacement>
  /** Where each label's digits start and how tall they are. */
  readonly labels: ReadonlyArray<{ readonly x: number; readonly y: number; readonly height: number }>
}

export const CONTACT_SHEET_DEFAULTS = { columns: 6, thumbWidth: 192 } as const
/** Space around and between tiles, and the label band under each thumbnail. */
const GAP = 8
const LABEL_BAND = 16
const DIGIT_HEIGHT = 10
const BACKGROUND = { r: 22, g: 24, b: 29 }

/** The grid for `count` frames of `frameWidth` × `frameHeight` (thumbnails keep that aspect ratio). */
export const contactSheetLayout = (
  count: number,
  frameWidth: number,
  frameHeight: number,
  options: ContactSheetOptions = {}
): ContactSheetLayout => {
  const columns = Math.max(1, Math.min(count, Math.floor(options.columns ?? CONTACT_SHEET_DEFAULTS.columns)))
  const rows = Math.max(1, Math.ceil(count / columns))
  const thumbWidth = Math.max(8, Math.round(options.thumbWidth ?? CONTACT_SHEET_DEFAULTS.thumbWidth))
  const thumbHeight = Math.max(1, Math.round((thumbWidth * frameHeight) / Math.max(1, frameWidth)))
  const pitchX = thumbWidth + GAP
  const pitchY = thumbHeight + LABEL_BAND + GAP
  const tiles: Array<TilePlacement> = []
  const labels: Array<{ x: number; y: number; height: number }> = []
  for (let i = 0; i < count; i++) {
    const left = GAP + (i % columns) * pitchX
    const top = GAP + Math.floor(i / columns) * pitchY
    tiles.push({ left, top })
    labels.push({ x: left, y: top + thumbHeight + (LABEL_BAND - DIGIT_HEIGHT) / 2, height: DIGIT_HEIGHT })
  }
  return {
    columns,
    rows,
    thumbWidth,
    thumbHeight,
    width: GAP + columns * pitchX,
    height: GAP + rows * pitchY,
    tiles,
    labels
  }
}

/** The frame indices as an SVG overlay of rectangles (transparent elsewhere). */
const labelOverlay = (layout: ContactSheetLayout, frames: ReadonlyArray<SheetFrame>): string => {
  const parts: Array<string> = []
  frames.forEach((frame, i) => {
    const label = layout.labels[i]
    if (label === undefined) return
    const digits = String(Math.max(0, Math.floor(frame.index)))
    // Shrink long numbers to the thumbnail's width.
    const height = Math.min(label.height, layout.thumbWidth / Math.max(1, digitsWidth(digits.length, 1)))
    for (const r of numberRects(digits, label.x, label.y + (label.height - height) / 2, height)) {
      parts.push(`<rect x="${r.x.toFixed(2)}" y="${r.y.toFixed(2)}" width="${r.width.toFixed(2)}" height="${r.height.toFixed(2)}"/>`)
    }
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" fill="rgb(220,220,220)" shape-rendering="crispEdges">${parts.join("")}</svg>`
}


const frameSize = (frame: SheetFrame): Effect.Effect<{ readonly width: number; readonly height: number }, ContactSheetError> =>
  Effect.tryPromise({
    try: () => sharp(frame.jpeg).metadata(),
    catch: (cause) =>
      new ContactSheetError({ reason: "Decode", message: `cannot decode frame ${frame.index}: ${messageOf(cause)}`, frameIndex: frame.index, cause })
  }).pipe(Effect.map((m) => ({ width: m.width, height: m.height })))

const thumbnail = (frame: SheetFrame, layout: ContactSheetLayout): Effect.Effect<Buffer, ContactSheetError> =>
  Effect.tryPromise({
    try: () =>
      sharp(frame.jpeg)
        .resize(layout.thumbWidth, layout.thumbHeight, { fit: "contain", background: BACKGROUND })
        .toColourspace("srgb")
        .removeAlpha()
        .png()
        .toBuffer(),
    catch: (cause) =>
      new ContactSheetError({ reason: "Decode", message: `cannot decode frame ${frame.index}: ${messageOf(cause)}`, frameIndex: frame.index, cause })
  })

/**
 * Decodes, resizes and composites `frames` (in order, row by row) onto a dark
 * background and writes the PNG to `file`. The first frame's aspect ratio
 * sets the tile shape; frames of another shape are letterboxed.
 */
export const writeContactSheet = (
  frames: ReadonlyArray<SheetFrame>,
  file: string,
  options: ContactSheetOptions = {}
): Effect.Effect<ContactSheetLayout, ContactSheetError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const first = frames[0]
    if (first === undefined) {
      return yield* new ContactSheetError({ reason: "NoFrames", message: `no frames were received, so there is no contact sheet to write to ${file}` })
    }
    const size = yield* frameSize(first)
    const layout = contactSheetLayout(frames.length, size.width, size.height, options)
    const thumbs = yield* Effect.forEach(frames, (frame) => thumbnail(frame, layout), { concurrency: 2 })
    const png = yield* Effect.tryPromise({
      try: () =>
        sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: BACKGROUND } })
          .composite([
            ...thumbs.map((input, i) => ({ input, left: layout.tiles[i]?.left ?? 0, top: layout.tiles[i]?.top ?? 0 })),
            { input: Buffer.from(labelOverlay(layout, frames)), left: 0, top: 0 }
          ])
          .png()
          .toBuffer(),
      catch: (cause) => new ContactSheetError({ reason: "Encode", message: `cannot compose the contact sheet: ${messageOf(cause)}`, cause })
    })
    const fs = yield* FileSystem.FileSystem
    yield* Effect.mapError(
      fs.writeFile(file, png),
      (cause) => new ContactSheetError({ reason: "Write", message: `cannot write ${file}: ${describePlatformError(cause)}`, cause })
    )
    return layout
  })
