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
COPY --from=build /app /app
USER node
ENTRYPOINT ["node", "bin/connector.js"]
CMD ["worker"]
