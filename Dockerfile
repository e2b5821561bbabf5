# syntax=docker/dockerfile:1
# sm-core image: one image, four roles chosen by START_MODE (api, worker, cron, migrate); see
# entrypoints/docker-entrypoint.sh and docs/deploy.md. Node runs the TypeScript sources directly
# (type stripping), so there is no build output: the "build" stage only installs production deps.

ARG NODE_VERSION=26

# --- deps: production dependencies only, from the lock file -------------------------------------
FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the pinned `node` devDependency (the image has its own Node), vitest, biome...
# --omit=optional leaves out the embedded PostgreSQL binaries (~60 MB): the image always uses a configured server.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# --- runtime: slim Node, tini as PID 1, non-root ------------------------------------------------
FROM node:${NODE_VERSION}-slim AS runtime
# tini forwards SIGTERM to sm-core and reaps zombies (the worker's graceful shutdown needs the signal).
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    SM_ENV=production \
    SM_LOG_FORMAT=json \
    PORT=3000
WORKDIR /app
RUN groupadd --system --gid 10001 smcore \
  && useradd --system --uid 10001 --gid smcore --home-dir /app --shell /usr/sbin/nologin smcore
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY sql ./sql
# Bundled sample provider responses: the offline demo (no API key, SM_ENV=development) works in the image too.
COPY samples ./samples
COPY entrypoints ./entrypoints
# `sm-core` on PATH is the launcher: heap flags for every command, then exec of Node (docs/deploy.md).
RUN chmod 0755 bin/sm-core bin/sm-core.js entrypoints/*.sh \
  && ln -s /app/bin/sm-core /usr/local/bin/sm-core
USER 10001:10001
EXPOSE 3000
# api: GET /health must answer 200; worker: the database must answer; cron/migrate: always healthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["/app/entrypoints/healthcheck.sh"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/entrypoints/docker-entrypoint.sh"]
CMD []
