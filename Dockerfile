# syntax=docker/dockerfile:1.7
#
# Sluice image: one image for every role (run | collector | processor | migrate); the role is the
# command, e.g. `docker run sluice:dev processor`. The build stage compiles the TypeScript to dist/
# (`npm run build`); services/cli/bin.mjs (the package's `bin`) runs dist/ when it is there, the
# sources through tsx otherwise (tsx stays a production dependency for that fallback).
#
# Build:  docker build -t sluice:dev .
# test/deploy.test.ts checks that every COPY source exists, that .dockerignore keeps none of them
# out, that the patch dir is copied before `npm ci`, and that ENTRYPOINT runs package.json's bin.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production node_modules, with the kafkajs patch applied ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The postinstall hook (patch-package --patch-dir services/transports/kafka/patches --error-on-fail)
# patches kafkajs, so the patch dir must be present before `npm ci`; a patch that no longer applies
# fails the build, and the grep makes sure the fix really landed.
COPY services/transports/kafka/patches/ ./services/transports/kafka/patches/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
 && grep -q 'SLUICE-PATCH(kafkajs-2.2.4-leader-move)' node_modules/kafkajs/src/producer/sendMessages.js

# ---- build: the compiled JavaScript (npm run build -> dist/) ----------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY services/transports/kafka/patches/ ./services/transports/kafka/patches/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY scripts/ ./scripts/
COPY schemas/ ./schemas/
COPY services/ ./services/
RUN npm run build

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin sluice
# Everything stays owned by root and read-only to the sluice user: the app cannot rewrite its own
# code, and the container runs with a read-only root filesystem. $TMPDIR (/tmp) is the only path
# that must be writable (an emptyDir/tmpfs in k8s/compose).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY schemas/ ./schemas/
# services/ holds the CLI entry (services/cli/bin.mjs) and the kafkajs patch dir as well; bin.mjs
# runs the compiled dist/ (whose schemas/ and package.json are links to the ones above).
COPY services/ ./services/
COPY --from=build /app/dist/ ./dist/
USER 10001:10001
# Health endpoints (/healthz, /readyz) of the processor role; SLUICE_HTTP_PORT, default 8080.
EXPOSE 8080
# No HEALTHCHECK here: the one-shot roles (migrate, collector) serve no HTTP, and the port is
# configurable. docker-compose.yml declares the processor's healthcheck; Kubernetes uses probes.
ENTRYPOINT ["node", "services/cli/bin.mjs"]
CMD ["run"]
