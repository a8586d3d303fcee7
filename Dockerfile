# syntax=docker/dockerfile:1
# Build: docker build -t aajil --build-arg VERSION=$(git describe --always) .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/aajil ./cmd/aajil

# distroless/static: no shell, CA certificates and time-zone data included,
# runs as the unprivileged "nonroot" user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="aajil" \
      org.opencontainers.image.description="Breaking-news alerts from Arabic and English sources to Telegram" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/aajil /aajil
COPY configs/aajil.yaml /etc/aajil/aajil.yaml
ENV AAJIL_CONFIG=/etc/aajil/aajil.yaml \
    AAJIL_HTTP_ADDR=0.0.0.0:8080
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["/aajil", "health"]
ENTRYPOINT ["/aajil"]
CMD ["run"]
