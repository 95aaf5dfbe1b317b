FROM alpine
RUN apk add \
    curl \
# a comment inside

    git
RUN echo a \\
RUN echo b
  RUN indented \
  \
  done
run lower
ENV A=1 \
    B=2
RUN last \