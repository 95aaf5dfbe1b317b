# syntax=docker/dockerfile:1
# escape=`
FROM alpine
RUN echo a `
    b
RUN <<EOF
x
EOF
COPY a b
