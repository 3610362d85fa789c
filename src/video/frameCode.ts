/**
 * The machine-readable strip at the bottom of every synthetic frame: black and
 * white square cells that spell the frame number in binary, between fixed
 * start and stop patterns, with an even-parity cell. Cells are at least 16x16
 * pixels and aligned to the 8x8 DCT grid, so JPEG at any sane quality keeps
 * them clearly black or white. The layout is a pure function of the frame size,
 * so a reader needs nothing but the decoded pixels.
 */
import type { FrameSize } from "./size.js"

export const FRAME_CODE_BITS = 16
/** Frame numbers the strip can carry: 0 .. 65535. */
export const MAX_CODED_FRAMES = 2 ** FRAME_CODE_BITS

const START = [1, 0, 1] as const
const STOP = [0, 1, 0] as const
/** start + data bits + parity + stop */
export const FRAME_CODE_CELLS = START.length + FRAME_CODE_BITS + 1 + STOP.length

export interface FrameCodeLayout {
  /** Side of one square cell in pixels (a multiple of 8, at least 16). */
  readonly cell: number
  readonly columns: number
  readonly rows: number
  /** Top-left corner of the cell grid. */
  readonly x: number
  readonly y: number
}

const MIN_CELL = 16
const MAX_CELL = 64

/**
 * Where the strip goes in a frame of this size: along the bottom edge, in as
 * few rows as the width allows. Undefined when the strip would take more than
 * half of the frame's height.
 */
export const frameCodeLayout = (size: FrameSize): FrameCodeLayout | undefined => {
  const cell = Math.min(MAX_CELL, Math.max(MIN_CELL, Math.floor(size.width / (FRAME_CODE_CELLS + 1) / 8) * 8))
  const perRow = Math.floor(size.width / cell)
  if (perRow < 1) return undefined
  const rows = Math.ceil(FRAME_CODE_CELLS / perRow)
  const columns = Math.ceil(FRAME_CODE_CELLS / rows)
  if (rows * cell * 2 > size.height) return undefined
  const x = Math.floor((size.width - columns * cell) / 2 / 8) * 8
  const y = size.height - rows * cell
  return { cell, columns, rows, x, y }
}

/** The cell values (1 = white) for a frame number, in reading order (row by row). */
export const frameCodeCells = (frameNumber: number): ReadonlyArray<0 | 1> => {
  const n = frameNumber % MAX_CODED_FRAMES
  const bits: Array<0 | 1> = []
  for (let b = FRAME_CODE_BITS - 1; b >= 0; b--) bits.push(((n >> b) & 1) as 0 | 1)
  const parity = (bits.reduce<number>((sum, bit) => sum + bit, 0) % 2) as 0 | 1
  return [...START, ...bits, parity, ...STOP]
}

/** Top-left corner of cell `i` in the layout. */
export const cellOrigin = (layout: FrameCodeLayout, i: number): { readonly x: number; readonly y: number } => ({
  x: layout.x + (i % layout.columns) * layout.cell,
  y: layout.y + Math.floor(i / layout.columns) * layout.cell
})

/** Mean luma over the central half of a cell (edges may ring after JPEG). */
const cellLuma = (
  pixels: Uint8Array,
  width: number,
  channels: number,
  x0: number,
  y0: number,
  cell: number
): number => {
  const margin = cell / 4
  let sum = 0
  let count = 0
  for (let y = y0 + margin; y < y0 + cell - margin; y++) {
    for (let x = x0 + margin; x < x0 + cell - margin; x++) {
      const at = (y * width + x) * channels
      sum += channels >= 3
        ? 0.299 * pixels[at]! + 0.587 * pixels[at + 1]! + 0.114 * pixels[at + 2]!
        : pixels[at]!
      count++
    }
  }
  return sum / count
}

/** A cell must be clearly dark or clearly bright; anything in between is not our strip. */
const DARK = 80
const BRIGHT = 176

/**
 * Recovers the frame number from decoded pixels (row-major, `channels` bytes a
 * pixel: 1 grey, 3 RGB, 4 RGBA). Undefined when the frame carries no valid
 * strip (wrong size, start/stop pattern or parity).
 */
export const readFrameNumber = (
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number
): number | undefined => {
  if (!Number.isInteger(channels) || channels < 1 || pixels.length < width * height * channels) return undefined
  const layout = frameCodeLayout({ width, height })
  if (!layout) return undefined
  const cells: Array<0 | 1> = []
  for (let i = 0; i < FRAME_CODE_CELLS; i++) {
    const { x, y } = cellOrigin(layout, i)
    const luma = cellLuma(pixels, width, channels, x, y, layout.cell)
    if (luma > DARK && luma < BRIGHT) return undefined
    cells.push(luma >= BRIGHT ? 1 : 0)
  }
  const bits = cells.slice(START.length, START.length + FRAME_CODE_BITS)
  const value = bits.reduce<number>((n, bit) => n * 2 + bit, 0)
  const expected = frameCodeCells(value)
  return expected.every((cell, i) => cell === cells[i]) ? value : undefined
}
