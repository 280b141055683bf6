# A small static image of oomdoc: built for musl on Alpine, run from scratch as a non-root user.
#   docker build -t oomdoc .
#   docker run --rm -v "$PWD:/src" -w /src oomdoc audit k8s/
# `oomdoc audit` reads this file as it reads any Dockerfile (crates/cli/tests/cli/packaging.rs
# checks that it passes).

FROM rust:1.90-alpine AS build
# musl-dev: the C runtime `ring` (TLS) and the linker need; Alpine's Rust builds static musl
# binaries by default.
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p oomdoc --bin oomdoc \
 && cp target/release/oomdoc /oomdoc

FROM scratch
# CA certificates for HTTPS to Prometheus and API servers whose kubeconfig does not carry a CA.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /oomdoc /usr/local/bin/oomdoc
ENV PATH=/usr/local/bin
# The distroless "nonroot" user and group: no root inside the container.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["oomdoc"]
CMD ["--help"]
