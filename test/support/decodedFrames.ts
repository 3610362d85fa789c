/** What tools nobody here wrote made of a stream, read back: ffmpeg's framemd5 lines, GStreamer's PNG frames. */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import sharp from "sharp"
import { readFrameNumber } from "../../src/video/frameCode.js"

/** The frame hashes of a framemd5 file (last column of each non-comment line). */
export const framemd5Hashes = (file: string): Array<string> =>
  readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0 && !l.startsWith("#")).map((l) => l.split(",").pop()!.trim())

/** The hashes are the source's, in order from wherever they start, through its loop. */
export const inSourceOrder = (hashes: ReadonlyArray<string>, sourceHashes: ReadonlyArray<string>): boolean => {
  const first = sourceHashes.indexOf(hashes[0] ?? "")
  return first >= 0 && hashes.every((h, i) => h === sourceHashes[(first + i) % sourceHashes.length])
}

/** The frame number drawn in each PNG of `folder`, in file-name order (undefined where none reads). */
export const pngFrameNumbers = (folder: string): Promise<Array<number | undefined>> =>
  Promise.all(readdirSync(folder).filter((f) => f.endsWith(".png")).sort().map(async (file) => {
    const { data, info } = await sharp(join(folder, file)).raw().toBuffer({ resolveWithObject: true })
    return readFrameNumber(data, info.width, info.height, info.channels)
  }))
