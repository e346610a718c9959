# syntax=docker/dockerfile:1
# Build stage: native better-sqlite3 needs python3/make/g++; TypeScript compiles to dist/.
FROM node:20-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: only production dependencies, compiled code, templates, forms and migrations.
FROM node:20-slim
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY src/storage/sqlite/migrations ./src/storage/sqlite/migrations
COPY templates ./templates
COPY public ./public
COPY consent-forms ./consent-forms
# The PDF scan page renderer: plain JavaScript run in a worker thread, not compiled by tsc.
COPY sandbox ./sandbox
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
