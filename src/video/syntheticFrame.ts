/**
 * The synthetic test frame as SVG: a background tinted by frame number, a bar
 * that moves across the picture, a progress line, the frame number in large
 * seven-segment digits, and the machine-readable frame-number strip.
 */
import { cellOrigin, frameCodeCells, frameCodeLayout } from "./frameCode.js"
import { digitsWidth, numberRects, type Rect } from "./sevenSegment.js"
import type { FrameSize } from "./size.js"

export interface SyntheticFrameSpec {
  readonly index: number
  readonly frameCount: number
  readonly size: FrameSize
}

/** Frames the moving bar takes to cross the picture (2 s at 20 fps). */
const BAR_PERIOD_FRAMES = 40

const rect = (r: Rect, fill: string): string =>
  `<rect x="${r.x.toFixed(1)}" y="${r.y.toFixed(1)}" width="${r.width.toFixed(1)}" height="${r.height.toFixed(1)}" fill="${fill}"/>`

const hsl = (hue: number, saturation: number, lightness: number): string => {
  // librsvg understands hsl(), but an explicit rgb() keeps the SVG renderer-agnostic.
  const s = saturation / 100
  const l = lightness / 100
  const k = (n: number): number => (n + hue / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number): number => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))))
  return `rgb(${f(0)},${f(8)},${f(4)})`
}

/** Digits of the frame number, zero-padded to the width of the last frame's number. */
export const frameLabel = (index: number, frameCount: number): string =>
  String(index).padStart(String(Math.max(0, frameCount - 1)).length, "0")

/**
 * SVG for one frame. Throws nothing; a size too small for the strip simply
 * leaves the strip out (callers check `frameCodeLayout` first).
 */
export const syntheticFrameSvg = (spec: SyntheticFrameSpec): string => {
  const { index, frameCount, size } = spec
  const { width, height } = size
  const layout = frameCodeLayout(size)
  const pictureHeight = layout ? layout.y : height
  const parts: Array<string> = []

  // Background: a diagonal gradient whose hue turns with the frame number.
  const hue = (index * 9) % 360
  parts.push(
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">` +
      `<stop offset="0" stop-color="${hsl(hue, 45, 30)}"/><stop offset="1" stop-color="${hsl((hue + 80) % 360, 45, 12)}"/>` +
      `</linearGradient></defs>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="url(#bg)"/>`
  )

  // Moving bar: crosses the picture every BAR_PERIOD_FRAMES frames.
  const barWidth = Math.max(8, Math.round(width / 16))
  const phase = (index % BAR_PERIOD_FRAMES) / BAR_PERIOD_FRAMES
  const barX = -barWidth + phase * (width + barWidth)
  parts.push(rect({ x: barX, y: 0, width: barWidth, height: pictureHeight }, "rgb(255,150,30)"))

  // Progress line along the top edge.
  const progress = frameCount > 0 ? ((index + 1) / frameCount) * width : 0
  parts.push(rect({ x: 0, y: 0, width: progress, height: Math.max(4, Math.round(height / 72)) }, "rgb(90,220,120)"))

  // The frame number, as large as fits the picture area.
  const label = frameLabel(index, frameCount)
  const digitHeight = Math.min(pictureHeight * 0.62, (width * 0.86) / (digitsWidth(label.length, 1)))
  const x = (width - digitsWidth(label.length, digitHeight)) / 2
  const y = (pictureHeight - digitHeight) / 2
  parts.push(...numberRects(label, x, y, digitHeight).map((r) => rect(r, "rgb(250,250,250)")))

  if (layout) {
    parts.push(rect({ x: 0, y: layout.y, width, height: height - layout.y }, "rgb(0,0,0)"))
    frameCodeCells(index).forEach((cell, i) => {
      if (cell === 1) {
        const origin = cellOrigin(layout, i)
        parts.push(rect({ ...origin, width: layout.cell, height: layout.cell }, "rgb(255,255,255)"))
      }
    })
  }

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" shape-rendering="crispEdges">${parts.join("")}</svg>`
}
