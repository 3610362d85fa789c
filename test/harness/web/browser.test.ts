/**
 * The web player in a real browser: Debian's chromium, headless, driven by playwright-core
 * (no browser download). Against our RTSP server: Setup and Play, the frame number advances and
 * the picture changes, Pause holds it, Play again, Teardown, and the server's session count goes
 * back to zero; a closed tab tears its session down; a refused connection shows in words.
 * Writes test-artifacts/web-player.png (and docs/web-player.png with UPDATE_DOCS_SCREENSHOT=1).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { mkdirSync } from "node:fs"
import { type Browser, chromium as playwright, type Page } from "playwright-core"
import * as WebPlayer from "../../../harness/web/WebPlayer.js"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { chromium } from "../../support/tools.js"
import { waitUntilAsync as eventually } from "../../support/polling.js"

const tool = chromium()

// Without the background-networking flags chromium keeps trying to reach the internet.
const LAUNCH_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

let server: TestServer
let scope: Scope.CloseableScope
let player: WebPlayer.WebPlayerInfo
let browser: Browser

beforeAll(async () => {
  if (tool.skip) return
  server = await startTestServer()
  scope = Effect.runSync(Scope.make())
  player = await Effect.runPromise(
    WebPlayer.make({ host: "127.0.0.1", port: 0, defaultUrl: server.url(), idleGraceMs: 1000 }).pipe(Scope.extend(scope))
  )
  browser = await playwright.launch({ executablePath: "/usr/bin/chromium", headless: true, args: LAUNCH_ARGS })
})

afterAll(async () => {
  if (tool.skip) return
  await browser?.close()
  if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
  await server?.close()
})

const rtspSessions = () => server.info.sessions().length


const frameNumber = async (page: Page): Promise<number> => Number(await page.textContent("#frame"))

const waitForFrame = (page: Page, atLeast: number) =>
  page.waitForFunction(`Number(document.getElementById("frame").textContent) >= ${atLeast}`, undefined, { timeout: 10_000 })

const openPlayer = async (): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } })
  await page.goto(player.url)
  // Enabled once the page's WebSocket is up and the first status came.
  await page.waitForSelector("#setup:enabled", { timeout: 10_000 })
  return page
}

describe.skipIf(tool.skip)("web player in chromium (requires /usr/bin/chromium)", () => {
  it("Setup, Play (frames advance, the picture changes), Pause holds, Play, Teardown; the server's sessions back to 0", async () => {
    const page = await openPlayer()
    expect(await page.inputValue("#url")).toBe(server.url())
    expect(await page.isDisabled("#play")).toBe(true)
    expect(await page.isDisabled("#pause")).toBe(true)
    expect(await page.isDisabled("#teardown")).toBe(true)

    await page.click("#setup")
    await page.waitForSelector("#play:enabled", { timeout: 10_000 })
    expect(await page.textContent("#state")).toBe("READY")
    expect(await page.textContent("#session")).toMatch(/^[0-9A-F]{8,}$/i)
    expect(await page.isDisabled("#setup")).toBe(true)
    expect(await page.isEnabled("#teardown")).toBe(true)
    expect(rtspSessions()).toBe(1)

    await page.click("#play")
    await page.waitForSelector("#pause:enabled", { timeout: 10_000 })
    expect(await page.textContent("#state")).toBe("PLAYING")
    await waitForFrame(page, 5)
    const first = await page.locator("#video").screenshot()
    const at = await frameNumber(page)
    await waitForFrame(page, at + 4)
    const later = await page.locator("#video").screenshot()
    expect(later.equals(first)).toBe(false)

    // Long enough for the chart and the stats to fill in, then the picture for the README.
    await waitForFrame(page, 40)
    await page.waitForFunction(`document.getElementById("startup").textContent.endsWith("ms")`, undefined, { timeout: 5_000 })
    expect(Number.parseFloat((await page.textContent("#fps")) ?? "0")).toBeGreaterThan(10)
    expect(await page.textContent("#request")).toMatch(/^PLAY rtsp:\/\//)
    expect(await page.textContent("#response")).toMatch(/^RTSP\/1\.0 200 OK/)
    expect(await page.locator("#chart polyline").count()).toBe(1)
    mkdirSync("test-artifacts", { recursive: true })
    await page.screenshot({ path: "test-artifacts/web-player.png", fullPage: true })
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
      mkdirSync("docs", { recursive: true })
      await page.screenshot({ path: "docs/web-player.png", fullPage: true })
    }

    await page.click("#pause")
    await page.waitForSelector("#play:enabled", { timeout: 10_000 })
    expect(await page.textContent("#state")).toBe("READY")
    // Frames already on their way may still land; then nothing moves.
    await page.waitForTimeout(250)
    const held = await frameNumber(page)
    await page.waitForTimeout(700)
    expect(await frameNumber(page)).toBe(held)

    await page.click("#play")
    await waitForFrame(page, held + 5)

    await page.click("#teardown")
    await page.waitForSelector("#setup:enabled", { timeout: 10_000 })
    expect(await page.textContent("#state")).toBe("INIT")
    expect(await page.isDisabled("#play")).toBe(true)
    expect(await eventually(() => rtspSessions() === 0, 3000)).toBe(true)
    expect(await page.isHidden("#error")).toBe(true)
    await page.close()
  })

  it("a refused connection shows in words and Setup is offered again; closing the tab tears its session down", async () => {
    const page = await openPlayer()
    await page.fill("#url", "rtsp://127.0.0.1:9/movie.Mjpeg")
    await page.click("#setup")
    await page.waitForSelector("#error:not([hidden])", { timeout: 10_000 })
    expect(await page.textContent("#error")).toMatch(/^Connection refused/)
    await page.waitForSelector("#setup:enabled", { timeout: 5_000 })
    expect(await page.textContent("#state")).toBe("INIT")

    await page.fill("#url", server.url())
    await page.selectOption("#transport", "tcp")
    await page.click("#setup")
    await page.waitForSelector("#play:enabled", { timeout: 10_000 })
    expect(await page.isHidden("#error")).toBe(true)
    await page.click("#play")
    await waitForFrame(page, 3)
    expect(rtspSessions()).toBe(1)
    await page.close()
    expect(await eventually(() => rtspSessions() === 0, 5000)).toBe(true)
    expect(await eventually(() => player.pageSessions() === 0, 5000)).toBe(true)
  })
})
