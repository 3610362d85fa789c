/** A self-signed certificate for 127.0.0.1 made with the openssl CLI, in a fresh temporary folder, for the RTSPS tests. */
import { spawnSync } from "node:child_process"
import { X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { connect as tlsConnect } from "node:tls"
import { join } from "node:path"

export interface TestCertificate {
  readonly certFile: string
  readonly keyFile: string
  /** As node's TLSSocket.getPeerCertificate().fingerprint256 shows it. */
  readonly fingerprint256: string
}

export const makeCertificate = (name = "rtsps"): TestCertificate => {
  const dir = mkdtempSync(join(tmpdir(), `effect-rtsp-${name}-`))
  const certFile = join(dir, "cert.pem")
  const keyFile = join(dir, "key.pem")
  const made = spawnSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile,
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2"
  ], { encoding: "utf8", timeout: 30_000 })
  if (made.status !== 0) throw new Error(`openssl req failed: ${made.error?.message ?? made.stderr}`)
  return { certFile, keyFile, fingerprint256: new X509Certificate(readFileSync(certFile)).fingerprint256 }
}

/** The certificate's SHA-256 fingerprint a new TLS connection to `port` is shown. */
export const peerFingerprint = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false })
    const timer = setTimeout(() => socket.destroy(new Error("no TLS handshake in 5 s")), 5000)
    socket.once("secureConnect", () => {
      clearTimeout(timer)
      resolve(socket.getPeerCertificate().fingerprint256)
      socket.end()
    })
    socket.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
