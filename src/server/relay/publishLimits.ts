/** How fast any publisher (network or code) may send before its frames are refused as a flood. */

/** Frames a second; beyond it the rest of the second's frames are rejected. */
export const MAX_PUBLISHED_FPS = 240
/** How far ahead of real time a publisher's media time may run before its frames are rejected. */
export const MAX_AHEAD_OF_REAL_TIME_MS = 2000
