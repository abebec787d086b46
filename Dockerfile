# syntax=docker/dockerfile:1
#
# zoom-signer container image: one statically linked binary, alone on an empty ("scratch") root
# file system (no libc, no shell, no package manager, no other file), running as uid/gid 65532.
#
#   docker build -t zoom-signer .
#   docker run --rm --read-only --cap-drop=ALL -p 127.0.0.1:4000:4000 zoom-signer --demo
#
# Stages: chef (cargo-chef installed) -> planner (recipe of the dependencies) -> builder
# (dependencies as a cached layer, then the crate) -> the final image, which takes only
# /zoom-signer from the builder.
#
# CI builds this file as it is, with buildah (.ci/container), giving the stage "builder" as a
# directory holding the binary it built with the same RUSTFLAGS, target and static check:
#   buildah bud --format docker --build-context builder=DIR -t localhost/zoom-signer:local .
# Only the stages the final one needs are built, so chef, planner and builder are skipped there
# (nothing is pulled); `docker build .` builds them all from source.
# Checked by .ci/lint-deploy (hadolint, warnings fail).

FROM rust:1-bookworm AS chef
# No RUSTFLAGS here: cargo-chef itself is an ordinary, dynamically linked host binary.
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

# The recipe changes only when Cargo.toml or Cargo.lock do, so the next stage's dependency layer
# stays cached across source edits.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# glibc linked statically. With an explicit --target, RUSTFLAGS apply to the target's artifacts
# only: build scripts and proc macros stay ordinary host binaries. Identical RUSTFLAGS and flags
# for `cook` and `build`, or the cached dependencies are rebuilt. The target is the build
# machine's own (x86_64-unknown-linux-gnu on amd64, aarch64-unknown-linux-gnu on arm64).
ENV RUSTFLAGS="-C target-feature=+crt-static"
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked --target "$(uname -m)-unknown-linux-gnu" --recipe-path recipe.json
COPY . .
RUN target="$(uname -m)-unknown-linux-gnu" \
 && cargo build --release --locked --target "$target" --bin zoom-signer \
 && cp "target/$target/release/zoom-signer" /zoom-signer \
 && if readelf --program-headers /zoom-signer | grep --quiet 'program interpreter'; then \
      echo "zoom-signer is dynamically linked; the final image has no libc" >&2; exit 1; \
    fi \
 && /zoom-signer --version

# Why nothing but the binary is needed ("scratch", not even distroless):
# - TLS roots: calls to Zoom (SIGNER_ZOOM_SIGN_IN=on) trust the Mozilla roots compiled into the
#   binary (reqwest's rustls-tls feature: the webpki-roots crate); /etc/ssl/certs is never read.
#   Updating that crate in Cargo.lock, then rebuilding, is what updates the roots.
# - Names: the binary resolves them itself (hickory), from the /etc/hosts and /etc/resolv.conf
#   that the container runtime mounts; no glibc NSS, no nsswitch.conf. .ci/container proves it:
#   the image logs a person in with a stand-in Zoom that it reaches only through the address the
#   engine's /etc/hosts gives.
# - The user: numeric (65532:65532), so no /etc/passwd is looked up; Kubernetes' runAsNonRoot
#   accepts a numeric user. No /tmp either: the service writes no file.
FROM scratch
# The repository's address: docker build --build-arg SOURCE_URL=https://... .
ARG SOURCE_URL="https://github.com/OWNER/zoom-signer"
LABEL org.opencontainers.image.title="zoom-signer" \
      org.opencontainers.image.description="A small, hardened service that issues Zoom Meeting SDK signatures server-side." \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"
# Owned by root, mode 0755 (as built): the service user cannot change it.
COPY --from=builder /zoom-signer /zoom-signer
# Listen on all interfaces inside the container; everything else comes from the environment
# (secrets as files: ZOOM_MEETING_SDK_KEY_FILE, ZOOM_MEETING_SDK_SECRET_FILE, ...).
ENV HOST=0.0.0.0 \
    PORT=4000
EXPOSE 4000
USER 65532:65532
# Exec form: there is no shell. The subcommand asks /healthz on HOST/PORT (0.0.0.0 -> 127.0.0.1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/zoom-signer", "healthcheck"]
ENTRYPOINT ["/zoom-signer"]
