import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/buildIfStale.ts"],
    // Two test files at a time on two cores (vitest's default is cores - 1): most tests wait on
    // sockets and child processes (ffmpeg, GStreamer, the built CLI), not on the CPU.
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
