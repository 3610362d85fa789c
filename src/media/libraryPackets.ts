/**
 * RFC 2435 payloads for every frame of a file, computed once per load and
 * shared by every session that plays it.
 */
import { Either } from "effect"
import type { Rfc2435Frame } from "../protocol/jpeg/rfc2435Frame.js"
import { type PacketizeError, packetizeRfc2435 } from "../protocol/jpeg/rfc2435Packetizer.js"

export interface FramePacketizeError {
  readonly frameIndex: number
  readonly error: PacketizeError
}

export const packetizeFrames = (
  frames: ReadonlyArray<Rfc2435Frame>,
  mtu: number
): Either.Either<ReadonlyArray<ReadonlyArray<Buffer>>, FramePacketizeError> => {
  const all: Array<ReadonlyArray<Buffer>> = []
  for (const [frameIndex, frame] of frames.entries()) {
    const packets = packetizeRfc2435(frame, { mtu })
    if (Either.isLeft(packets)) return Either.left({ frameIndex, error: packets.left })
    all.push(packets.right)
  }
  return Either.right(all)
}
