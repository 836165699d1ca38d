# syntax=docker/dockerfile:1
#
# scimshim as a small, static, non-root image (deploy/README.md#the-image).
#
#   docker build -t scimshim .
#   docker run --rm -p 8080:8080 -e SCIMSHIM_UPSTREAM=http://backend:8000/scim/v2 scimshim
#
# Stage 1 builds a statically linked binary: Rust's musl targets link the C
# runtime statically by default, and the C parts (ring, mimalloc) are compiled
# against musl by Alpine's gcc. Stage 2 holds only that binary, the shipped
# rule packs and distroless's CA bundle, passwd entry and tzdata: no shell, no
# package manager.

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-alpine AS build
RUN apk add --no-cache gcc musl-dev
WORKDIR /src
# .dockerignore keeps target/, .git and local files out of the context.
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin scimshim \
 && install -D -m 0755 target/release/scimshim /out/usr/local/bin/scimshim
# The binary must run with nothing beside it, and the packs it ships must load.
RUN /out/usr/local/bin/scimshim --version \
 && /out/usr/local/bin/scimshim check rules/ \
 && mkdir -p /out/etc/scimshim \
 && cp -R rules /out/etc/scimshim/rules

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /
# Numeric, so that Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
# 8080: the SCIM listener. 9901: the admin listener (health, readiness,
# metrics, /rules), when started with --admin-listen.
EXPOSE 8080 9901
ENTRYPOINT ["scimshim"]
# The upstream comes from SCIMSHIM_UPSTREAM; with a config file, replace the
# whole command: ["serve", "--config", "/etc/scimshim/config/scimshim.yaml"].
CMD ["serve", "--listen", "0.0.0.0:8080", "--rules", "/etc/scimshim/rules/common"]
