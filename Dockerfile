# effect-rtsp in a container. Two stages: the build (TypeScript and the optional native UDP
# addons, which need a C compiler) and the runtime (Node, the built files and the production
# dependencies only), which runs as the unprivileged `node` user.
#
# Ports: 8554/tcp RTSP, 8322/tcp RTSPS (with tls in the config), 6970-6971/udp RTP/RTCP,
# 9090/tcp /metrics and /healthz (metrics.httpPort in the config).
#
#   docker build -t effect-rtsp .
#   docker run --rm -p 8554:8554 -p 6970-6971:6970-6971/udp -p 9090:9090 effect-rtsp

FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY native ./native
COPY src ./src
COPY harness ./harness
COPY bench ./bench
# npm install, not npm ci: see .ci/run (the lock file records only the platform packages the registry mirror serves).
RUN npm install --ignore-scripts && npm run build && npm run build:native

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/build ./build
COPY video ./video
COPY deploy/docker/config.yaml /etc/effect-rtsp/config.yaml
USER node
EXPOSE 8554/tcp 8322/tcp 6970-6971/udp 9090/tcp
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9090/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=8", "dist/src/cli/bin.js", "serve"]
CMD ["--config", "/etc/effect-rtsp/config.yaml"]
