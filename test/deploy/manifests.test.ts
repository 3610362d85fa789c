/**
 * The server's container and Kubernetes files (deploy/k8s/server), checked without a cluster or a container runtime (this
 * machine has neither): each manifest against a strict Schema of the Kubernetes fields it may use
 * (an unknown or misspelt field fails), then their references to each other and to the server's
 * config: the ConfigMap's config file checks out, every port it names is declared and served,
 * probes ask /healthz on the metrics port, the pod runs as non-root. The Dockerfile likewise.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { readConfigText } from "../../src/cli/config/configFile.js"

const strict = { errors: "all", onExcessProperty: "error" } as const
const Labels = Schema.Record({ key: Schema.String, value: Schema.String })
const Metadata = Schema.Struct({ name: Schema.NonEmptyString, labels: Schema.optional(Labels) })
const Protocol = Schema.Literal("TCP", "UDP")
const Port = Schema.Int.pipe(Schema.between(1, 65535))

const ConfigMap = Schema.Struct({ apiVersion: Schema.Literal("v1"), kind: Schema.Literal("ConfigMap"), metadata: Metadata, data: Schema.Record({ key: Schema.String, value: Schema.String }) })
const Secret = Schema.Struct({
  apiVersion: Schema.Literal("v1"),
  kind: Schema.Literal("Secret"),
  metadata: Metadata,
  type: Schema.Literal("Opaque"),
  stringData: Schema.Record({ key: Schema.String, value: Schema.String })
})
const Probe = Schema.Struct({ httpGet: Schema.Struct({ path: Schema.String, port: Schema.Union(Schema.String, Port) }), periodSeconds: Schema.optional(Schema.Int) })
const Container = Schema.Struct({
  name: Schema.String,
  image: Schema.String,
  args: Schema.optional(Schema.Array(Schema.String)),
  ports: Schema.Array(Schema.Struct({ name: Schema.String, containerPort: Port, protocol: Protocol })),
  livenessProbe: Probe,
  readinessProbe: Probe,
  securityContext: Schema.Struct({
    allowPrivilegeEscalation: Schema.Boolean,
    readOnlyRootFilesystem: Schema.Boolean,
    capabilities: Schema.Struct({ drop: Schema.Array(Schema.String) })
  }),
  resources: Schema.Struct({
    requests: Schema.Struct({ cpu: Schema.String, memory: Schema.String }),
    limits: Schema.Struct({ memory: Schema.String })
  }),
  volumeMounts: Schema.Array(Schema.Struct({ name: Schema.String, mountPath: Schema.String, subPath: Schema.optional(Schema.String), readOnly: Schema.Boolean }))
})
const Deployment = Schema.Struct({
  apiVersion: Schema.Literal("apps/v1"),
  kind: Schema.Literal("Deployment"),
  metadata: Metadata,
  spec: Schema.Struct({
    replicas: Schema.Int,
    selector: Schema.Struct({ matchLabels: Labels }),
    template: Schema.Struct({
      metadata: Schema.Struct({ labels: Labels }),
      spec: Schema.Struct({
        securityContext: Schema.Struct({ runAsNonRoot: Schema.Literal(true), runAsUser: Schema.Int, runAsGroup: Schema.Int }),
        containers: Schema.NonEmptyArray(Container),
        volumes: Schema.Array(Schema.Struct({
          name: Schema.String,
          configMap: Schema.optional(Schema.Struct({ name: Schema.String })),
          secret: Schema.optional(Schema.Struct({ secretName: Schema.String }))
        }))
      })
    })
  })
})
const Service = Schema.Struct({
  apiVersion: Schema.Literal("v1"),
  kind: Schema.Literal("Service"),
  metadata: Metadata,
  spec: Schema.Struct({
    type: Schema.Literal("ClusterIP", "NodePort", "LoadBalancer"),
    selector: Labels,
    ports: Schema.Array(Schema.Struct({ name: Schema.String, port: Port, targetPort: Schema.Union(Schema.String, Port), protocol: Protocol }))
  })
})

const load = <A, I>(schema: Schema.Schema<A, I>, file: string): A => {
  const decoded = Schema.decodeUnknownEither(schema, strict)(parse(readFileSync(file, "utf8")))
  if (Either.isLeft(decoded)) throw new Error(`${file}: ${decoded.left.message}`)
  return decoded.right
}

const configOf = (text: string, file: string): ReadonlyMap<string, string> => {
  const read = readConfigText(text, file)
  if (Either.isLeft(read)) throw new Error(`${file}: ${read.left.join("; ")}`)
  return read.right
}

describe("deploy/k8s/server", () => {
  const configMap = load(ConfigMap, "deploy/k8s/server/configmap.yaml")
  const secret = load(Secret, "deploy/k8s/server/secret.example.yaml")
  const deployment = load(Deployment, "deploy/k8s/server/deployment.yaml")
  const service = load(Service, "deploy/k8s/server/service.yaml")
  const pod = deployment.spec.template.spec
  const container = pod.containers[0]
  const config = configOf(configMap.data["config.yaml"] ?? "", "/etc/effect-rtsp/config.yaml")
  const portNamed = (name: string | number) => container.ports.find((p) => p.name === name || p.containerPort === name)

  it("every manifest has only fields its Schema knows", () => {
    expect([configMap.kind, secret.kind, deployment.kind, service.kind]).toEqual(["ConfigMap", "Secret", "Deployment", "Service"])
  })

  it("the ConfigMap holds a config file that checks out, and the container declares each port it serves", () => {
    expect(config.get("RTSP_PORT")).toBe("8554")
    expect(portNamed("rtsp")).toMatchObject({ containerPort: Number(config.get("RTSP_PORT")), protocol: "TCP" })
    expect(portNamed("rtp")).toMatchObject({ containerPort: Number(config.get("RTSP_RTP_PORT")), protocol: "UDP" })
    expect(portNamed("rtcp")).toMatchObject({ containerPort: Number(config.get("RTSP_RTP_PORT")) + 1, protocol: "UDP" })
    expect(portNamed("http")).toMatchObject({ containerPort: Number(config.get("RTSP_HTTP_PORT")), protocol: "TCP" })
  })

  it("liveness and readiness ask /healthz on the metrics port; the pod runs as non-root with nothing to escalate", () => {
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet.path).toBe("/healthz")
      expect(portNamed(probe.httpGet.port)?.containerPort).toBe(Number(config.get("RTSP_HTTP_PORT")))
    }
    expect(pod.securityContext.runAsNonRoot).toBe(true)
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } })
  })

  it("the config is the ConfigMap and the users file the Secret, mounted where the config says", () => {
    const volume = (name: string) => pod.volumes.find((v) => v.name === name)
    const mount = (name: string) => container.volumeMounts.find((m) => m.name === name)
    expect(volume("config")?.configMap?.name).toBe(configMap.metadata.name)
    expect(mount("config")).toMatchObject({ mountPath: "/etc/effect-rtsp/config.yaml", subPath: "config.yaml" })
    expect(container.args).toEqual(["--config", "/etc/effect-rtsp/config.yaml"])
    expect(volume("users")?.secret?.secretName).toBe(secret.metadata.name)
    expect(config.get("RTSP_USERS")).toBe(`${mount("users")?.mountPath}/users.json`)
    expect(Object.keys(secret.stringData)).toEqual(["users.json"])
  })

  it("the Service selects the pod and sends each of its ports to a declared one of the same protocol", () => {
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels)
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels)
    for (const port of service.spec.ports) expect(portNamed(port.targetPort)?.protocol).toBe(port.protocol)
    expect(service.spec.ports.map((p) => `${p.port}/${p.protocol}`).sort()).toEqual(["6970/UDP", "6971/UDP", "8554/TCP", "9090/TCP"])
  })
})

describe("Dockerfile", () => {
  const dockerfile = readFileSync("Dockerfile", "utf8")
  const config = configOf(readFileSync("deploy/docker/config.yaml", "utf8"), "/etc/effect-rtsp/config.yaml")

  it("builds in one stage and runs in another, as the node user, with production dependencies only", () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2)
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m)
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev /m)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m)
  })

  it("exposes the ports its config serves and checks its health on /healthz of the metrics port", () => {
    const exposed = /^EXPOSE (.*)$/m.exec(dockerfile)?.[1]?.split(" ") ?? []
    expect(exposed).toEqual([`${config.get("RTSP_PORT")}/tcp`, "8322/tcp", `${config.get("RTSP_RTP_PORT")}-${Number(config.get("RTSP_RTP_PORT")) + 1}/udp`, `${config.get("RTSP_HTTP_PORT")}/tcp`])
    expect(dockerfile).toContain(`fetch('http://127.0.0.1:${config.get("RTSP_HTTP_PORT")}/healthz')`)
    expect(dockerfile).toMatch(/^CMD \["--config", "\/etc\/effect-rtsp\/config.yaml"\]$/m)
  })
})
