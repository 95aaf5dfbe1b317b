FROM a
CMD ["a",]
CMD ['a']
CMD ["a"] trailing
ENTRYPOINT []
HEALTHCHECK --interval=5s CMD curl -f http://x || exit 1
HEALTHCHECK NONE
ONBUILD RUN <<EOF
onbuild body
EOF
ONBUILD COPY . /app
EXPOSE 80 443/tcp
VOLUME ["/a", "/b"]
VOLUME /c /d
LABEL a=b "c d"="e f"
STOPSIGNAL SIGTERM
MAINTAINER me
USER 1000:1000
WORKDIR /app
ARG X=1 Y
