/**
 * The RTSPS certificate and key, read from their PEM files and checked before they are used: a
 * certificate that parses, a private key that parses, and a key that belongs to the certificate.
 * Errors name the file and OpenSSL's reason, never a byte of the file (a key is a secret).
 */
import { FileSystem } from "@effect/platform"
import { createPrivateKey, X509Certificate } from "node:crypto"
import { createSecureContext } from "node:tls"
import { Data, Effect } from "effect"

/** A certificate or key file that cannot be used, and why. */
export class TlsFilesError extends Data.TaggedError("TlsFilesError")<{ readonly message: string }> {}

export interface TlsFiles {
  readonly certFile: string
  readonly keyFile: string
}

/** Checked PEM bytes for the secure context, and what may be shown of the certificate. */
export interface TlsIdentity {
  readonly cert: Uint8Array
  readonly key: Uint8Array
  readonly subject: string
  readonly validTo: string
  readonly fingerprint256: string
}

/** OpenSSL's reason alone (its messages quote no input); the cause object is not kept. */
const reasonOf = (cause: unknown): string => (cause instanceof Error ? cause.message : "unreadable")

const readPem = (fs: FileSystem.FileSystem, label: string, path: string) =>
  fs.readFile(path).pipe(Effect.mapError((error) => new TlsFilesError({ message: `${label} ${path}: cannot read it (${error._tag === "SystemError" ? error.reason : error.message})` })))

const attempt = <A>(run: () => A, message: (reason: string) => string): Effect.Effect<A, TlsFilesError> =>
  Effect.try({ try: run, catch: (cause) => new TlsFilesError({ message: message(reasonOf(cause)) }) })

export const loadTlsIdentity = (fs: FileSystem.FileSystem, files: TlsFiles): Effect.Effect<TlsIdentity, TlsFilesError> =>
  Effect.gen(function* () {
    const cert = yield* readPem(fs, "TLS certificate file", files.certFile)
    const key = yield* readPem(fs, "TLS key file", files.keyFile)
    const x509 = yield* attempt(() => new X509Certificate(cert), (reason) => `TLS certificate file ${files.certFile}: not a PEM certificate (${reason})`)
    yield* attempt(() => createPrivateKey({ key: Buffer.from(key), format: "pem" }), (reason) => `TLS key file ${files.keyFile}: not a usable PEM private key (${reason})`)
    yield* attempt(
      () => createSecureContext({ cert: Buffer.from(cert), key: Buffer.from(key) }),
      (reason) => `TLS key file ${files.keyFile} does not go with the certificate in ${files.certFile} (${reason})`
    )
    return { cert, key, subject: x509.subject.replace(/\n/g, ", "), validTo: x509.validTo, fingerprint256: x509.fingerprint256 }
  })

/** What the log may say about the certificate in force. */
export const describeIdentity = (identity: TlsIdentity): string =>
  `certificate ${identity.subject}, valid to ${identity.validTo}, SHA-256 ${identity.fingerprint256}`
