/** Byte helpers the codecs share. */

/** The same bytes as a Buffer, without copying (a Buffer is returned as it is). */
export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
