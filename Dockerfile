# Album server image. Build: docker build -t album .
# Run:   docker run -p 8080:8080 -v "$PWD/models:/models" album
# The model and tasks are mounted at /models (never baked in): /models/default (HF T5 checkpoint + tokenizer) and
# /models/tasks (Album task folders and PEFT adapter folders; must be writable for PUT/DELETE /v1/tasks).

# ---- build stage ----
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas-dev libjemalloc-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so they are a cached layer.
COPY Package.swift ./
RUN mkdir -p Sources && swift package resolve
COPY Sources ./Sources
# The manifest declares the test targets too; their folders must exist for the package to load.
COPY Tests ./Tests
RUN swift build -c release --product album --static-swift-stdlib \
    && mkdir -p /staging && cp "$(swift build -c release --show-bin-path)/album" /staging/

# ---- runtime stage ----
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas0-pthread libjemalloc2 tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin album
COPY --from=build /staging/album /usr/local/bin/album
WORKDIR /app
USER album
# Listen on all interfaces inside the container; models come from the mounted volume. On a non-loopback address task
# management (PUT/DELETE /v1/tasks) needs a token: docker run -e ALBUM_ADMIN_TOKEN=... (optional ALBUM_API_TOKEN for
# inference, ALBUM_READ_ONLY=1 to turn uploads off); without one it is refused. See docs/security.md.
ENV ALBUM_HOST=0.0.0.0 \
    ALBUM_PORT=8080 \
    ALBUM_MODEL=/models/default \
    ALBUM_TASKS=/models/tasks \
    OPENBLAS_THREAD_TIMEOUT=4
EXPOSE 8080
VOLUME ["/models"]
ENTRYPOINT ["album", "serve"]
