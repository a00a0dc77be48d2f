# syntax=docker/dockerfile:1

# --- web app (apps/web: storefront, console, admin) --------------------------
FROM node:22-bookworm-slim AS web
WORKDIR /web
COPY apps/web/package.json apps/web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY apps/web/ ./
# The API types (src/api/*.ts) are committed, generated from openapi/: no
# server needed here.
RUN npm run build

# --- server -------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
# Cache mounts keep the registry and target dir between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p taquilla \
    && install -D -m 0755 target/release/taquilla /out/taquilla

# --- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/taquilla taquilla
COPY --from=builder /out/taquilla /usr/local/bin/taquilla
COPY --from=web /web/dist /usr/share/taquilla/web
USER taquilla
# Relative paths (e.g. var/mail/ when no SMTP is configured) land here.
WORKDIR /var/lib/taquilla
ENV TAQUILLA_BIND=0.0.0.0:8080 \
    TAQUILLA_WEB_DIR=/usr/share/taquilla/web
EXPOSE 8080
CMD ["sh", "-c", "taquilla migrate && exec taquilla serve"]
