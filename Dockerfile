# The astbill daemon. Built by docker-compose.yml (`docker compose up -d --build`), or alone:
#   docker build -t astbill .
#   docker run --env-file .env -e ASTBILL_DB=mysql://... -e ARI_URL=http://... astbill

# ---- build: full toolchain (better-sqlite3 compiles from source), all dependencies, tsc
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY bin ./bin
COPY daemon ./daemon
COPY sql ./sql
RUN npm run build && npm prune --omit=dev

# ---- runtime: the compiled daemon and production dependencies only
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Two glibc malloc arenas instead of 16 on 2 cores: ~10-25 MB less RSS at 10,000 calls (docs/operator-guide.md, "Memory").
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/sql ./sql
# State (journal, SQLite file when used, reports) lives in one volume, owned by the node user.
RUN mkdir -p /var/lib/astbill && chown node:node /var/lib/astbill
USER node
VOLUME ["/var/lib/astbill"]
EXPOSE 8080
# A 32 MB young generation keeps call set-up garbage out of the old generation (docs/operator-guide.md, "Memory").
CMD ["node", "--max-semi-space-size=32", "bin/astbill.js", "start"]
