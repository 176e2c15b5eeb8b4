# The connector's worker (and CLI) for docker-compose.yml. Build: docker build -t amazon-connector .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Two malloc arenas instead of one per thread: the worker's peak RSS drops by ~100 MB (bench/memory.ts, docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2
# Small V8 young generations (2 MB semi-spaces, not 16) and an old-space limit of 512 MB, which also makes V8 collect
# before the heap quadruples: with 12,000 open orders the worker's RSS settled at 321 MB instead of 441 MB (peak 325
# instead of 534), import not slower (bench/memory.ts reads both lines; docs/benchmarks.md "Memory").
ENV NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=512"
COPY --from=build /app /app
USER node
ENTRYPOINT ["node", "bin/connector.js"]
CMD ["worker"]
