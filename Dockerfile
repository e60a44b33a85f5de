# kpimon in a small image: built by the Go toolchain, run as a non-root user
# on Alpine (Alpine rather than distroless so that the health check has wget).
#
#   docker build -t kpimon --build-arg VERSION=$(git describe --always) .
#   docker run -v kpimon-data:/var/lib/kpimon -p 127.0.0.1:9464:9464 kpimon

ARG GO_VERSION=1.26.8
ARG ALPINE_VERSION=3.22

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
# Modules first, so a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/kpimon ./cmd/kpimon

FROM alpine:${ALPINE_VERSION}
# uid/gid 10001: give a bind-mounted inbox (the statistics bureau's shared
# folder) to this uid so kpimon can move processed files to done/ and failed/.
RUN addgroup -S -g 10001 kpimon \
 && adduser -S -D -H -u 10001 -G kpimon -h /var/lib/kpimon kpimon \
 && mkdir -p /var/lib/kpimon /var/lib/kpimon-inbox \
 && chown kpimon:kpimon /var/lib/kpimon /var/lib/kpimon-inbox
COPY --from=build /out/kpimon /usr/local/bin/kpimon
USER 10001:10001
ENV KPIMON_DATA=/var/lib/kpimon
VOLUME ["/var/lib/kpimon"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:9464/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/kpimon"]
CMD ["serve", "--listen", "0.0.0.0:9464", "--data", "/var/lib/kpimon"]
