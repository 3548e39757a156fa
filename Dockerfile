# syntax=docker/dockerfile:1.7
#
# Sluice image: one image for every role (run | collector | processor | migrate); the role is the
# command, e.g. `docker run sluice:dev processor`. There is no build step: bin/sluice.mjs loads
# the TypeScript sources through tsx at run time, so tsx is a production dependency.
#
# Build:  docker build -t sluice:dev .
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production node_modules, with the kafkajs patch applied ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The postinstall hook (patch-package --error-on-fail) patches kafkajs from patches/, so the
# patches must be present before `npm ci`; a patch that no longer applies fails the build.
COPY patches/ ./patches/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && grep -q 'SLUICE-PATCH(kafkajs-2.2.4-leader-move)' node_modules/kafkajs/src/producer/sendMessages.js

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sluice
# Everything stays owned by root and read-only to the sluice user: the app cannot rewrite its own
# code, and the container runs with a read-only root filesystem. tsx keeps its transform cache in
# $TMPDIR (/tmp), the only path that must be writable (an emptyDir/tmpfs in k8s/compose).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY patches/ ./patches/
COPY bin/ ./bin/
COPY schemas/ ./schemas/
COPY services/ ./services/
USER 10001:10001
# Health endpoints (/healthz, /readyz) of long-running roles; SLUICE_HTTP_PORT, default 8080.
EXPOSE 8080
# No HEALTHCHECK here: one-shot roles (migrate) serve no HTTP, and the port is configurable.
# docker-compose.yml declares a healthcheck per service; Kubernetes uses liveness/readiness probes.
ENTRYPOINT ["node", "bin/sluice.mjs"]
CMD ["run"]
