/**
 * Seven-segment digits as plain rectangles, so frame numbers render the same
 * on a machine without any fonts (SVG <text> would need one).
 */

export interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

type Segment = "a" | "b" | "c" | "d" | "e" | "f" | "g"

const SEGMENTS: Record<string, ReadonlyArray<Segment>> = {
  "0": ["a", "b", "c", "d", "e", "f"],
  "1": ["b", "c"],
  "2": ["a", "b", "g", "e", "d"],
  "3": ["a", "b", "g", "c", "d"],
  "4": ["f", "g", "b", "c"],
  "5": ["a", "f", "g", "c", "d"],
  "6": ["a", "f", "g", "e", "d", "c"],
  "7": ["a", "b", "c"],
  "8": ["a", "b", "c", "d", "e", "f", "g"],
  "9": ["a", "b", "c", "d", "f", "g"]
}

/** Proportions of one digit: width and stroke relative to its height, and the gap between digits. */
export const DIGIT_ASPECT = 0.55
const STROKE = 0.12
const GAP = 0.15

/** The rectangles of one digit whose box has its top-left corner at (x, y). */
export const digitRects = (digit: string, x: number, y: number, height: number): ReadonlyArray<Rect> => {
  const w = height * DIGIT_ASPECT
  const t = height * STROKE
  const mid = y + (height - t) / 2
  const upper = mid - (y + t)
  const lower = y + height - t - (mid + t)
  const boxes: Record<Segment, Rect> = {
    a: { x: x + t, y, width: w - 2 * t, height: t },
    b: { x: x + w - t, y: y + t, width: t, height: upper },
    c: { x: x + w - t, y: mid + t, width: t, height: lower },
    d: { x: x + t, y: y + height - t, width: w - 2 * t, height: t },
    e: { x, y: mid + t, width: t, height: lower },
    f: { x, y: y + t, width: t, height: upper },
    g: { x: x + t, y: mid, width: w - 2 * t, height: t }
  }
  return (SEGMENTS[digit] ?? []).map((s) => boxes[s])
}

/** Width of a run of `count` digits of this height. */
export const digitsWidth = (count: number, height: number): number =>
  count * height * DIGIT_ASPECT + Math.max(0, count - 1) * height * GAP

/** The rectangles of a string of decimal digits laid out left to right from (x, y). */
export const numberRects = (digits: string, x: number, y: number, height: number): ReadonlyArray<Rect> =>
  [...digits].flatMap((d, i) => digitRects(d, x + i * height * (DIGIT_ASPECT + GAP), y, height))
