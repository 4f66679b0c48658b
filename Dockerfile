# migrate-clusters as a container image, for CI runners and hosts that cannot reach the npm
# registry: build it where you can, push it to your own registry, pin it by version tag.
#
#   docker build --build-arg VERSION=0.1.0 -t migrate-clusters:0.1.0 .
#   docker run --rm -e GITLAB_URL -e GITLAB_TOKEN migrate-clusters:0.1.0 plan
#
# Two stages: the first installs every dependency and compiles TypeScript; the second holds only
# the runtime dependencies and what package.json "files" ships in the npm package.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src src
# The benchmark is left out of the image as it is out of the npm package ("!dist/bench").
RUN npm run build && rm -rf dist/bench

FROM node:20-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="migrate-clusters" \
      org.opencontainers.image.description="Move GitLab certificate-based Kubernetes clusters onto the GitLab agent for Kubernetes" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: none of the runtime dependencies needs one, and none should run here.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist dist
COPY bin bin
COPY templates templates
COPY contracts contracts
COPY fixtures/demo.json fixtures/README.md fixtures/
COPY LICENSE README.md ./
# On PATH for GitLab CI's `script:` (templates/gitlab-ci/migrate-clusters.gitlab-ci.yml uses it
# when present). node resolves the link, so bin/ still finds ../dist/main.js.
RUN ln -s /app/bin/migrate-clusters.js /usr/local/bin/migrate-clusters
# node:20-slim's unprivileged user: the CLI needs no root, only a writable working directory for
# reports and plan files (mount one, e.g. -v "$PWD:/work" -w /work).
USER node
ENTRYPOINT ["migrate-clusters"]
CMD ["--help"]
