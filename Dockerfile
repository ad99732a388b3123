# Wharf in a container: NATS on 4222, Kafka on 9092, monitoring, /metrics and the console on
# 8222; the data directory is the volume /data. Built in two stages on the official Node image:
# the first installs everything and builds (TypeScript and the console's assets), the second
# keeps only what runs (production dependencies, dist/src, dist/console) and runs as the
# image's non-root user `node`.
#
#   docker build -t wharf .
#   docker run -d --name wharf -p 4222:4222 -p 9092:9092 -p 8222:8222 -v wharf-data:/data wharf
#
# Kafka clients are told to connect to localhost:9092; from other machines, add
# `--kafka-advertised-host <name they reach this host by>` after the image name.
# scripts/dockerfile-steps.ts runs these steps without a container engine (test/cli/dockerfile.test.ts).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY packages ./packages
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/dist/console ./dist/console
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4222 9092 8222
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:8222/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js"]
# The monitoring port binds to loopback by default; in the container it must answer the
# published port (the container's own network is the boundary: publish 8222 only where wanted).
CMD ["--data-dir", "/data", "--log-format", "json", "--http-host", "0.0.0.0"]
