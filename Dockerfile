# syntax=docker/dockerfile:1
# Build stage: full Debian image with python3/make/g++ so the native zstd codec compiles.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
# npm ci compiles (the prepare script) and builds zstd-napi; then only production packages stay.
RUN npm ci && npm prune --omit=dev

# Runtime stage: slim image, production dependencies and compiled code only, non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY pipelines ./pipelines
COPY models ./models
COPY fixtures ./fixtures
RUN ln -s /app/dist/src/cli/main.js /usr/local/bin/winnow && chmod +x /app/dist/src/cli/main.js \
 && mkdir /data && chown node:node /data
USER node
WORKDIR /data
ENTRYPOINT ["winnow"]
CMD ["--help"]
