/**
 * deploy/k8s: there is no cluster here, so the manifests are checked as far as a test can.
 * Each file parses as YAML (the `yaml` package @effect/cli already depends on) into the fields
 * Kubernetes needs, decoded with a Schema; the names that tie them together agree (ConfigMap,
 * claim, SHARDS = completions = parallelism); and the pods' own shell scripts run here, with
 * the built CLI as `rtsp-harness` against our server: two shards, then the merge.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parse } from "yaml"
import { startTestServer, type TestServer } from "../../support/testServer.js"
import { type Ran, runProcess } from "../../support/harnessProcess.js"

const DIR = "deploy/k8s"

const Named = Schema.Struct({ name: Schema.String })
const Container = Schema.Struct({
  name: Schema.String,
  image: Schema.String,
  command: Schema.Tuple(Schema.Literal("/bin/sh"), Schema.Literal("-c")),
  args: Schema.Tuple(Schema.String),
  envFrom: Schema.Tuple(Schema.Struct({ configMapRef: Named })),
  env: Schema.Array(Schema.Struct({ name: Schema.String, value: Schema.String })),
  volumeMounts: Schema.Tuple(Schema.Struct({ name: Schema.String, mountPath: Schema.String }))
})
const PodSpec = Schema.Struct({
  restartPolicy: Schema.Literal("Never"),
  containers: Schema.Tuple(Container),
  volumes: Schema.Tuple(Schema.Struct({ name: Schema.String, persistentVolumeClaim: Schema.Struct({ claimName: Schema.String }) }))
})
const ShardJob = Schema.Struct({
  apiVersion: Schema.Literal("batch/v1"),
  kind: Schema.Literal("Job"),
  metadata: Named,
  spec: Schema.Struct({
    completionMode: Schema.Literal("Indexed"),
    completions: Schema.Number,
    parallelism: Schema.Number,
    backoffLimitPerIndex: Schema.Literal(0),
    maxFailedIndexes: Schema.Number,
    template: Schema.Struct({ spec: PodSpec })
  })
})
const MergeJob = Schema.Struct({ apiVersion: Schema.Literal("batch/v1"), kind: Schema.Literal("Job"), metadata: Named, spec: Schema.Struct({ backoffLimit: Schema.Literal(0), template: Schema.Struct({ spec: PodSpec }) }) })
// ConfigMap values must be strings: an unquoted 4 would be refused by the API server.
const ConfigMap = Schema.Struct({ apiVersion: Schema.Literal("v1"), kind: Schema.Literal("ConfigMap"), metadata: Named, data: Schema.Record({ key: Schema.String, value: Schema.String }) })
const Claim = Schema.Struct({ apiVersion: Schema.Literal("v1"), kind: Schema.Literal("PersistentVolumeClaim"), metadata: Named, spec: Schema.Struct({ accessModes: Schema.Tuple(Schema.Literal("ReadWriteMany")) }) })
const ResultsPod = Schema.Struct({
  apiVersion: Schema.Literal("v1"),
  kind: Schema.Literal("Pod"),
  spec: Schema.Struct({ volumes: Schema.Tuple(Schema.Struct({ name: Schema.String, persistentVolumeClaim: Schema.Struct({ claimName: Schema.String }) })) })
})

const manifest = <A, I>(file: string, schema: Schema.Schema<A, I>): A => {
  const decoded = Schema.decodeUnknownEither(schema)(parse(readFileSync(join(DIR, file), "utf8")))
  if (Either.isLeft(decoded)) throw new Error(`${file}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`)
  return decoded.right
}

const configMap = manifest("configmap.yaml", ConfigMap)
const claim = manifest("pvc.yaml", Claim)
const shards = manifest("job-shards.yaml", ShardJob)
const merge = manifest("job-merge.yaml", MergeJob)
const resultsPod = manifest("results-pod.yaml", ResultsPod)
const shardPod = shards.spec.template.spec
const mergePod = merge.spec.template.spec

/** A pod's script through /bin/sh, with `env` as its whole environment. */
const runScript = (script: string, env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<Ran> =>
  runProcess("/bin/sh", ["-c", script], timeoutMs, env, "the script")

describe("deploy/k8s", () => {
  it("every manifest in the folder is checked here", () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort()).toEqual(["configmap.yaml", "job-merge.yaml", "job-shards.yaml", "pvc.yaml", "results-pod.yaml"])
  })

  it("the Indexed Job runs SHARDS pods at once, each its JOB_COMPLETION_INDEX as --shard", () => {
    const count = Number(configMap.data.SHARDS)
    expect(shards.spec.completions).toBe(count)
    expect(shards.spec.parallelism).toBe(count)
    // Every shard may fail without stopping the others: merge counts a missing shard's clients as failed.
    expect(shards.spec.maxFailedIndexes).toBe(count)
    const script = shardPod.containers[0].args[0]
    expect(script).toContain(`--shard "$JOB_COMPLETION_INDEX/$SHARDS"`)
    expect(script).toContain(`--out "$RESULTS_DIR/$RUN_ID/shard-$JOB_COMPLETION_INDEX.json"`)
    for (const key of ["TARGET_URL", "CLIENTS", "DURATION", "RAMP_UP", "THREADS", "START_AT", "EXTRA_ARGS", "RUN_ID"]) {
      expect(configMap.data[key], key).toBeDefined()
      expect(script, key).toContain(`$${key}`)
    }
  })

  it("every pod reads the one ConfigMap and mounts the one ReadWriteMany claim where RESULTS_DIR says", () => {
    expect(claim.spec.accessModes).toEqual(["ReadWriteMany"])
    for (const pod of [shardPod, mergePod]) {
      const container = pod.containers[0]
      expect(container.envFrom[0].configMapRef.name).toBe(configMap.metadata.name)
      expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe(claim.metadata.name)
      expect(container.volumeMounts[0].name).toBe(pod.volumes[0].name)
      expect(container.env.find((e) => e.name === "RESULTS_DIR")?.value).toBe(container.volumeMounts[0].mountPath)
    }
    expect(mergePod.containers[0].image).toBe(shardPod.containers[0].image)
    expect(resultsPod.spec.volumes[0].persistentVolumeClaim.claimName).toBe(claim.metadata.name)
  })

  describe("the pods' scripts, run here", () => {
    let server: TestServer
    let work: string
    beforeAll(async () => {
      server = await startTestServer()
      work = mkdtempSync(join(tmpdir(), "harness-k8s-"))
      // `rtsp-harness` as the image has it on its PATH: the built CLI.
      writeFileSync(join(work, "rtsp-harness"), `#!/bin/sh\nexec "${process.execPath}" "${resolve("dist/harness/bin.js")}" "$@"\n`)
      chmodSync(join(work, "rtsp-harness"), 0o755)
    })
    afterAll(async () => {
      await server.close()
      rmSync(work, { recursive: true, force: true })
    })

    it("two shards write their files and the merge judges them (the ConfigMap's EXTRA_ARGS included)", async () => {
      const results = join(work, "results")
      // The ConfigMap's values, but a small run against our server.
      const env = { ...configMap.data, PATH: `${work}:${process.env.PATH ?? ""}`, RESULTS_DIR: results, TARGET_URL: server.url(), SHARDS: "2", CLIENTS: "4", DURATION: "2s", RAMP_UP: "500ms", THREADS: "1", START_AT: "" }
      const ran = await Promise.all([0, 1].map((i) => runScript(shardPod.containers[0].args[0], { ...env, JOB_COMPLETION_INDEX: String(i) })))
      for (const r of ran) expect(r.code, r.stderr).toBe(0)
      const folder = join(results, configMap.data.RUN_ID ?? "")
      expect(readdirSync(folder).sort()).toEqual(["shard-0.json", "shard-1.json"])
      const merged = await runScript(mergePod.containers[0].args[0], env)
      expect(merged.code, merged.stderr).toBe(0)
      expect(merged.stdout).toMatch(/^load 4: rtsp:\/\/127\.0\.0\.1:\d+\/movie\.Mjpeg {2}standard\/udp {2}4 clients/)
      expect(merged.stdout).toMatch(/PASS +fps +expected >= 19 fps for every client/)
      expect(merged.stdout).toMatch(/PASS +loss +expected <= 0\.1 %/)
      expect(merged.stdout).toContain("all expectations held")
      expect(existsSync(join(folder, "report.html"))).toBe(true)
    }, 90_000)
  })
})
