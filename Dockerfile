# The product image: the CLI, the worker, the simulator. `docker compose` runs it with different commands.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install from the lockfile (see scripts/ensure-deps.sh for why not npm ci)
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/examples ./examples
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
