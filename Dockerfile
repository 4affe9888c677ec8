# The `make dist` tarball in a container: `verbatim serve` on port 8080, the index in the
# /data volume. Build it from the repository root after `make dist`:
#
#   make dist
#   docker build -t verbatim .
#   docker run -p 8080:8080 -v verbatim-data:/data \
#     -e VERBATIM_WRITE_KEYS=change-me -e VERBATIM_READ_KEYS=read-me verbatim
#
# Keys are needed: the server binds 0.0.0.0 inside the container, and without keys it answers
# loopback clients only (docs/api.md, "Authentication"). Other commands run the same binary:
#   docker run --rm -v verbatim-data:/data verbatim reanalyze --index /data/index --dry-run
#
# The binary needs glibc 2.34+ (bookworm has 2.36); ONNX Runtime needs libstdc++, which the
# slim image has. Nothing else is installed: no Rust, no Python, no network at run time.
FROM debian:bookworm-slim

ARG VERSION=0.1.0
# ADD extracts a local tar.gz: /opt/verbatim-<version>-linux-x86_64/{verbatim,models/,...}
ADD target/dist/verbatim-${VERSION}-linux-x86_64.tar.gz /opt/
RUN ln -s /opt/verbatim-${VERSION}-linux-x86_64 /opt/verbatim \
    && useradd --system --home-dir /data --create-home verbatim

USER verbatim
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
ENV VERBATIM_INDEX=/data/index \
    VERBATIM_ADDR=0.0.0.0:8080
ENTRYPOINT ["/opt/verbatim/verbatim"]
CMD ["serve"]
