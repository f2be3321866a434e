# The product image: the CLI, the worker, the HTTP API + webhook receiver, the simulator. `docker compose` runs it with different commands.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install from the lockfile (see scripts/ensure-deps.sh for why not npm ci)
RUN npm install --no-audit --no-fund
COPY . .
# The workflow bundle is built once here: workers load it (WORKFLOW_BUNDLE_PATH) instead of running webpack.
RUN npx tsc -p tsconfig.build.json && node dist/cli/main.js bundle --out dist/workflow-bundle.js \
  && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/examples ./examples
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
