# One image for every process of the product. The command names the process:
#   docker run IMAGE gateway | user | homestay | order | payment | jobs
# or a one-shot step before a rollout: migrate (create databases, apply migrations), seed (demo data).
ARG NODE_IMAGE=node:24-bookworm-slim

# Build: every dependency, then tsc to dist/ (type errors fail the image build).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime: the production dependencies and the compiled code only; no TypeScript, no tsx.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The image's own node user: nothing here writes to /app at run time.
USER node
EXPOSE 4000 4001 4002 4003 4004 4005
# /healthz of whichever process PID 1 runs, on the port its environment gives (node's fetch: no curl in slim).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/scripts/healthcheck.js"]
ENTRYPOINT ["node", "--enable-source-maps", "dist/scripts/run.js"]
CMD ["gateway"]
