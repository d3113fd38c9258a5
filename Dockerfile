# Album server image. Build: docker build -t album .
# Run:   docker run -p 8080:8080 album                       # serves the bundled demo model and tasks at once
#        docker run -p 8080:8080 -v /path/to/models:/models album   # your checkpoint and tasks instead
# /models/default holds the HF T5 checkpoint + tokenizer and /models/tasks the task folders (writable for
# PUT/DELETE /v1/tasks; read-only is fine with --read-only and a rescan, see docs/operations.md).
# Checked by Tests/AlbumTests/DeploymentManifestTests.swift (user, health check, port, install script, env names).

# ---- build stage ----
FROM swift:6.3-bookworm AS build
WORKDIR /src
# The same install script as CI (.ci/run), so the image builds against the same packages.
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
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
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm /tmp/install-deps.sh \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin album
COPY --from=build /staging/album /usr/local/bin/album
# The bundled demo model and tasks, so that `docker run -p 8080:8080 album` serves at once.
COPY --chown=album:album models/default /models/default
COPY --chown=album:album models/tasks /models/tasks
WORKDIR /app
USER 10001:10001
# Listen on all interfaces inside the container. On a non-loopback address task management (PUT/DELETE
# /v1/tasks) needs a token: docker run -e ALBUM_ADMIN_TOKEN=... (optional ALBUM_API_TOKEN for inference,
# ALBUM_READ_ONLY=1 to turn uploads off); without one it is refused. See docs/security.md.
ENV ALBUM_HOST=0.0.0.0 \
    ALBUM_PORT=8080 \
    ALBUM_MODEL=/models/default \
    ALBUM_TASKS=/models/tasks \
    OPENBLAS_THREAD_TIMEOUT=4
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["album", "serve"]
