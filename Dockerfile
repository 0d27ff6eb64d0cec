# One image for every process of the product; docker-compose.yml picks the entry per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so dev dependencies stay in the image.
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
EXPOSE 4000 4001 4002 4003 4004 4005
CMD ["node", "--import", "tsx", "gateway/main.ts"]
