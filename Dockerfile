# Modelport: serve scikit-learn, XGBoost and ONNX models. No Python in the image.
#   docker build -t modelport .
#   docker run -p 8080:8080 modelport                                  # the example models
#   docker run -p 8080:8080 -v "$PWD/models:/models" modelport         # your own repository
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: onnxruntime-node's postinstall only fetches optional CUDA libraries; the CPU runtime ships in the package.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY examples/models /models
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=20s CMD node -e "fetch('http://127.0.0.1:8080/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js", "serve"]
CMD ["/models", "--host", "0.0.0.0", "--port", "8080"]
