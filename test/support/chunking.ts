/** Ways to cut a byte stream into chunks, for testing incremental parsers. */

export const oneByteAtATime = (bytes: Buffer): Array<Buffer> => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
export const splitAt = (bytes: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Buffer> = []
  let from = 0
  for (const point of points) {
    chunks.push(bytes.subarray(from, point))
    from = point
  }
  chunks.push(bytes.subarray(from))
  return chunks
}
