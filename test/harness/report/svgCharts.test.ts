import { describe, expect, it } from "@effect/vitest"
import sharp from "sharp"
import {
  downsampleMinMax,
  escapeXml,
  formatTick,
  histogramBins,
  histogramChart,
  horizontalBarChart,
  lineChart,
  niceTicks,
  sortedBarStrip,
  timeBuckets,
  type XY
} from "../../../harness/report/svgCharts.js"

/** librsvg (through sharp) is a strict XML parser: a chart that renders is well-formed SVG. */
const renders = async (svg: string): Promise<{ width: number; height: number }> => {
  const standalone = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ')
  const { info } = await sharp(Buffer.from(standalone)).png().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height }
}

const count = (text: string, needle: string): number => text.split(needle).length - 1

const frame = { title: "T", xLabel: "x", yLabel: "y" }

describe("niceTicks and formatTick", () => {
  it("picks 1-2-5 steps covering the range", () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(0, 0.37)).toEqual([0, 0.1, 0.2, 0.3])
    expect(niceTicks(47, 53)).toEqual([48, 50, 52])
    expect(niceTicks(47, 53, 10)).toEqual([47, 48, 49, 50, 51, 52, 53])
    expect(niceTicks(5, 5)).toEqual([5])
    expect(niceTicks(Number.NaN, 1)).toEqual([])
  })

  it("formats with the decimals the step needs", () => {
    expect(formatTick(0.30000000000000004, 0.1)).toBe("0.3")
    expect(formatTick(12000, 2000)).toBe("12,000")
    expect(formatTick(0.25, 0.05)).toBe("0.25")
  })
})

describe("downsampleMinMax", () => {
  it("leaves short series alone", () => {
    const points = [{ x: 0, y: 1 }, { x: 1, y: 2 }]
    expect(downsampleMinMax(points, 10)).toBe(points)
  })

  it("bounds a long series and keeps its spikes, in x order", () => {
    const points: Array<XY> = Array.from({ length: 100_000 }, (_, i) => ({ x: i, y: 50 + (i % 7) }))
    points[31_337] = { x: 31_337, y: 900 }
    points[77_777] = { x: 77_777, y: -5 }
    const out = downsampleMinMax(points, 1000)
    expect(out.length).toBeLessThanOrEqual(1000)
    expect(out.length).toBeGreaterThan(900)
    expect(Math.max(...out.map((p) => p.y))).toBe(900)
    expect(Math.min(...out.map((p) => p.y))).toBe(-5)
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x)
  })
})

describe("timeBuckets", () => {
  it("groups by bucket with min, nearest-rank p50/p99 and max, skipping empty buckets", () => {
    const samples = [
      ...Array.from({ length: 100 }, (_, i) => ({ t: 10 + i, v: i + 1 })), // bucket 0: 1..100
      { t: 2500, v: 7 } // bucket 2 (bucket 1 is empty)
    ]
    expect(timeBuckets(samples, 1000)).toEqual([
      { t: 0, count: 100, min: 1, p50: 50, p99: 99, max: 100 },
      { t: 2000, count: 1, min: 7, p50: 7, p99: 7, max: 7 }
    ])
    expect(timeBuckets([], 1000)).toEqual([])
  })
})

describe("histogramBins", () => {
  it("counts every value once, with an overflow bin past `upper`", () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 90]
    const bins = histogramBins(values, { bins: 5, upper: 10 })
    expect(bins.length).toBe(6)
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 2, 3, 2])
    expect(bins[5]).toMatchObject({ from: 10, overflow: true })
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(values.length)
  })

  it("starts at `lower` and handles empty and single values", () => {
    expect(histogramBins([48, 50, 52], { bins: 2, lower: 48 }).map((b) => [b.from, b.to, b.count])).toEqual([[48, 50, 1], [50, 52, 2]])
    expect(histogramBins([])).toEqual([])
    const one = histogramBins([5], { bins: 4 })
    expect(one.reduce((s, b) => s + b.count, 0)).toBe(1)
  })
})

describe("charts", () => {
  it("lineChart: empty, a single point, and many lines all render with axes and labels", async () => {
    const empty = lineChart({ ...frame, lines: [] })
    expect(empty).toContain("no data")
    await renders(empty)

    const single = lineChart({ ...frame, lines: [{ label: "only", points: [{ x: 3, y: 4 }] }] })
    expect(single).toContain("<circle")
    expect(single).not.toContain("no data")
    await renders(single)

    const many = lineChart({
      title: "Intervals",
      xLabel: "time (s)",
      yLabel: "ms",
      lines: [
        { label: "a", points: Array.from({ length: 50 }, (_, i) => ({ x: i, y: 50 + (i % 5) })) },
        { label: "b", points: Array.from({ length: 50 }, (_, i) => ({ x: i, y: 40 })) }
      ],
      bands: [{ label: "range", points: [{ x: 0, low: 30, high: 70 }, { x: 49, low: 35, high: 65 }] }]
    })
    expect(count(many, "<polyline")).toBe(2)
    expect(count(many, "<polygon")).toBe(1)
    for (const label of ["Intervals", "time (s)", ">ms<", ">a<", ">b<", ">range<"]) expect(many).toContain(label)
    expect(await renders(many)).toEqual({ width: 720, height: 260 })
  })

  it("lineChart caps each series at maxPoints", () => {
    const svg = lineChart({ ...frame, maxPoints: 800, lines: [{ label: "x", points: Array.from({ length: 50_000 }, (_, i) => ({ x: i, y: Math.sin(i) })) }] })
    const polyline = /<polyline points="([^"]*)"/.exec(svg)?.[1] ?? ""
    expect(polyline.split(" ").length).toBeLessThanOrEqual(800)
    expect(svg.length).toBeLessThan(30_000)
  })

  it("horizontalBarChart: empty, single, highlighted and escaped labels", async () => {
    await renders(horizontalBarChart({ ...frame, bars: [] }))
    const svg = horizontalBarChart({
      ...frame,
      unit: " %",
      highlightLabel: "failed",
      bars: [{ label: "<b>client & co</b>", value: 2.5 }, { label: "client 2", value: 0, highlight: true }]
    })
    expect(svg).toContain("&lt;b&gt;client &amp; co&lt;/b&gt;")
    expect(svg).not.toContain("<b>")
    expect(svg).toContain("0.00 % (failed)")
    await renders(svg)
    await renders(horizontalBarChart({ ...frame, bars: [{ label: "one", value: 0 }] }))
  })

  it("sortedBarStrip: merges equal neighbours so 1,000 clients stay small", async () => {
    await renders(sortedBarStrip({ ...frame, values: [] }))
    await renders(sortedBarStrip({ ...frame, values: [0] }))
    const values = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? (i % 30) / 10 : 0))
    const svg = sortedBarStrip({ ...frame, values, highlight: values.map((_, i) => i === 500) })
    // Distinct non-zero (value, highlight) runs only: 1, 2 and 0 (highlighted, not drawn at zero).
    expect(count(svg, "<rect")).toBeLessThanOrEqual(10)
    expect(svg.length).toBeLessThan(10_000)
    await renders(svg)
  })

  it("histogramChart: empty, one bin, log scale and overflow", async () => {
    expect(histogramChart({ ...frame, bins: [] })).toContain("no data")
    await renders(histogramChart({ ...frame, bins: [] }))
    await renders(histogramChart({ ...frame, bins: histogramBins([50]) }))
    const bins = histogramBins([...Array.from({ length: 1000 }, () => 50), 51, 52, 400], { bins: 10, lower: 45, upper: 60 })
    const svg = histogramChart({ ...frame, logY: true, bins })
    expect(svg).toContain(">1,000<")
    expect(svg).toContain("≥")
    await renders(svg)
  })

  it("no chart refers to anything outside itself", () => {
    const all = [
      lineChart({ ...frame, lines: [{ label: "a", points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }] }),
      horizontalBarChart({ ...frame, bars: [{ label: "a", value: 1 }] }),
      sortedBarStrip({ ...frame, values: [1, 2, 3] }),
      histogramChart({ ...frame, bins: histogramBins([1, 2, 3]) })
    ].join("")
    expect(all).not.toMatch(/https?:|<script|href|xlink|url\(/i)
  })

  it("escapeXml escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
  })
})
