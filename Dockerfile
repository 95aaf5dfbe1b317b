# stockade as a container image: one static binary on an empty base,
# running as nobody (65534:65534). Nothing is compiled or downloaded during
# the image build, so it works offline and with the classic builder.
#
# Build the static binary first, then use a context that holds it:
#
#   scripts/build-static.sh                 # writes dist/stockade
#   docker build -t stockade dist -f Dockerfile
#
# Run it on a tree mounted read-only:
#
#   docker run --rm -v "$PWD:/src:ro" stockade scan /src
#
# docs/container.md explains the choices and shows a multi-stage variant for
# machines that can pull a Rust builder image.
FROM scratch
COPY stockade /usr/local/bin/stockade
USER 65534:65534
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/stockade"]
CMD ["scan", "/src"]
