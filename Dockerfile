# Registry Manager: one static binary and its site files in a `FROM scratch` image.
#
#   docker build -t registry-manager .     from source, on a machine that can pull rust:* (BuildKit
#                                          or the legacy builder)
#   make image                             offline: the host builds the artefacts, then only the
#                                          `prebuilt` stage is built (scripts/image.sh)
#
# Stage order matters for the legacy builder, which builds every stage before `--target`:
# `runtime-base` and `prebuilt` need nothing from a registry, so they come first, and the
# offline build stops there. Both final images are `runtime-base` plus one root filesystem made
# by docker/make-rootfs.sh from the same build (docker/build-release.sh).

# --- runtime settings, shared by both final stages ---------------------------------------------
FROM scratch AS runtime-base
# scripts/image.sh fills these from Cargo.toml and git; SOURCE is the clone's origin URL (this
# repository names no public home yet).
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="Registry Manager" \
      org.opencontainers.image.description="Browse, clean up, mirror and push to a private Docker registry" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# 0.0.0.0 inside the container, so a published port reaches it; access control is on (AUTH=on),
# and PUBLIC_URL/ALLOWED_HOSTS name the host people use (localhost and 127.0.0.1 always work).
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/data \
    LEPTOS_SITE_ROOT=/usr/share/registry-manager/site \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
VOLUME ["/data"]
EXPOSE 8080
# The user of /data (make-rootfs.sh); numeric, so it holds without a passwd lookup and
# `runAsNonRoot` can check it.
USER 10001:10001
# The server drains open requests on SIGTERM and marks jobs it had to leave as interrupted.
STOPSIGNAL SIGTERM
# No curl in the image: the binary asks its own /api/health (exit 0 = answered 200).
HEALTHCHECK --interval=30s --timeout=15s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/registry-manager", "healthcheck", "--timeout", "10"]
ENTRYPOINT ["/usr/local/bin/registry-manager"]

# --- offline: the root filesystem made on the host (make image) --------------------------------
# PREBUILT_ROOTFS is the tar scripts/image.sh puts in its context; the default (a directory of
# this repository) only lets a from-source legacy build pass through this stage, unused.
FROM runtime-base AS prebuilt
ARG PREBUILT_ROOTFS=docker/rootfs
ADD ${PREBUILT_ROOTFS} /

# --- from source: the same tools as scripts/setup.sh (the test-image check compares them) ------
FROM rust:1.95.0-bookworm AS builder
ARG CARGO_LEPTOS_VERSION=0.3.10
ARG WASM_BINDGEN_VERSION=0.2.129
ARG BINARYEN_VERSION=132.0.0
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates file python3 zopfli \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
RUN cargo install "cargo-leptos@${CARGO_LEPTOS_VERSION}" --locked --features no_downloads \
 && cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --locked
RUN npm install --silent --no-audit --no-fund --prefix /opt/binaryen "binaryen@${BINARYEN_VERSION}"
ENV PATH=/opt/binaryen/node_modules/.bin:$PATH
WORKDIR /src
COPY . .
RUN bin=$(docker/build-release.sh) \
 && docker/make-rootfs.sh "$bin" target/site /rootfs.tar \
 && mkdir /rootfs && tar -xpf /rootfs.tar -C /rootfs

# --- the image `docker build .` makes ------------------------------------------------------------
FROM runtime-base AS runtime
COPY --from=builder /rootfs/ /
# Whether COPY --from keeps owners differs between builders: /data is the app user's either way.
COPY --from=builder --chown=10001:10001 /rootfs/data/ /data/
