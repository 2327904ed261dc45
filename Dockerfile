# syntax=docker/dockerfile:1
# guard502: the webhook and controller image (`guard502 serve` by default).
#
#   docker build -t guard502:dev .
#
# Two stages on Node 24 LTS: `build` bundles the TypeScript (scripts/build.js,
# the same as `npm run build`); `runtime` holds production dependencies, the
# bundled code, the CLI entry point and the CRD the policy loader validates
# against (the bundle in dist/cli/ reads ../../crds/).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: no install script runs (the `node` devDependency's binary
# download is not needed: the image's own Node 24 runs the bundler, whose
# JavaScript API finds its platform binary without its install script).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build.js ./scripts/
COPY src ./src
RUN node scripts/build.js

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY bin ./bin
COPY crds ./crds
COPY --from=build /src/dist ./dist
# Numeric, so the kubelet can verify runAsNonRoot (the image's `node` user).
USER 1000:1000
# 9443: HTTPS webhook, /healthz, /readyz; 8080: /metrics.
EXPOSE 9443 8080
# Two malloc arenas instead of glibc's eight per core: the server's native
# allocations (TLS, HTTP buffers) come from a few threads, and more arenas only
# hold on to freed memory.
ENV MALLOC_ARENA_MAX=2
# node itself is PID 1 (no npm, no shell), so SIGTERM reaches the server,
# which stops accepting, finishes in-flight requests and exits.
# The heap may take 40 % of the container's memory limit (Node reads the cgroup
# limit): without a cap V8 lets the heap grow far past what the cache needs
# during the first pass over a large cluster. Raising the chart's memory limit
# raises the heap with it. An 8 MB young generation (the CLI uses 16 for
# throughput) keeps a long-lived server's footprint small at no cost to its
# latency. No allocation-site pretenuring: while the cache fills at start-up
# nearly everything survives, so V8 learns to allocate straight into the old
# generation at the sites that build models and lists; afterwards the same sites
# build each admission's short-lived objects, which then pile up there and call
# for full collections (about one a second under load, pausing admissions)
# instead of dying young. One V8 background thread instead of four: V8's
# concurrent marking and compilation otherwise take every core a small pod
# has, and admissions wait for the CPU while they run (10–100 ms stalls under
# load on two cores). The benchmarks run the servers with these flags and
# environment (bench/runtime.ts reads them here).
ENTRYPOINT ["node", "--max-semi-space-size=8", "--no-allocation-site-pretenuring", "--v8-pool-size=1", "--max-old-space-size-percentage=40", "/app/bin/guard502.js"]
CMD ["serve"]
