/**
 * Words for errors, shared by the server, the video tools, the harness and the benchmarks.
 */
import type { PlatformError } from "@effect/platform/Error"

/** The message of anything thrown or failed with: an Error's message, else its string form. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A short reason for a failed file operation, without Effect's module/method prefix. */
export const describePlatformError = (error: PlatformError): string => {
  if (error._tag === "SystemError") {
    switch (error.reason) {
      case "NotFound":
        return "no such file or directory"
      case "PermissionDenied":
        return "permission denied"
      case "AlreadyExists":
        return "already exists"
      default:
        return error.description ?? error.message
    }
  }
  return error.description ?? error.message
}
