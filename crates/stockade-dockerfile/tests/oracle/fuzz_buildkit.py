#!/usr/bin/env python3
"""Randomised differential test against BuildKit's parser (see
compare_buildkit.py for the setup). Builds Dockerfiles from tricky
fragments (continuations, comments inside them, heredocs of every form,
CRLF, BOM, escape directives, JSON forms), then compares instruction
keywords, lines and heredocs with stockade's parser.

    python3 crates/stockade-dockerfile/tests/oracle/fuzz_buildkit.py [COUNT] [SEED]
"""

import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_buildkit as cb  # noqa: E402

FRAGMENTS = [
    "FROM alpine", "from a AS b", "RUN echo hi", "run a && b", "RUN a \\", "RUN a `",
    "  \\", "\\", "# comment", "  # indented comment", "", "   ", "\t",
    "RUN <<EOF", "RUN <<-EOF", "RUN <<'EOF'", 'RUN <<"EOF"', "RUN cat <<EOF > /f",
    "RUN python3 <<A <<B", "COPY <<EOF /dest", "ADD <<X <<Y /d/", "ONBUILD RUN <<EOF",
    "RUN 2<<EOF cat", "RUN echo '<<EOF'", 'RUN echo "<<EOF"', "RUN x<<EOF",
    "EOF", "\tEOF", "A", "B", "X", "Y", "EOF ", "body line", "$HOME ${X:-y}",
    'CMD ["a", "b"]', 'CMD ["a",]', "CMD ['a']", "ENTRYPOINT []", 'RUN ["sh", "-c", "x"]',
    "ENV A=1 B=\"x y\"", "ENV A 1 2", "LABEL a=b", "ARG X=1", "USER root",
    "HEALTHCHECK CMD true", "HEALTHCHECK NONE", "COPY --from=a b c",
    "RUN --mount=type=cache,target=/x echo", "# escape=`", "# syntax=x", "# escape=\\",
    "RUN a \\\\", "RUN a \\ ", "EXPOSE 80", "WORKDIR /x", "VOLUME /v", "SHELL [\"bash\", \"-c\"]",
    "RUN <<EOF \\", "RUN echo \\", "  && more", "ONBUILD COPY a b", "MAINTAINER x",
    "RUN\u00a0x", "\u00a0RUN x", "\tRUN tabbed", "RUN <<EOF$X", 'COPY ["a", "<<EOF"]',
    'RUN ["<<EOF"]', "ONBUILD ONBUILD RUN <<EOF", "RUN <<EOF <<EOF", "RUN <<E\\ F", 'RUN <<"E F"',
    "E F", "RUN <<EOF;", "EOF;", "RUN <<'EOF' | cat", "RUN a\rb", "RUN echo ${X:-<<EOF}",
    "RUN echo $(cat <<EOF)", "HEALTHCHECK CMD <<EOF", "RUN --mount=x <<EOF", "run <<eof", "eof",
    "RUN <<EOF\\", "RUN <<-'EOF'", "\t\tEOF", "RUN 'unclosed <<EOF", 'RUN "a\\"b" <<EOF',
    "RUN <<", "RUN <<-", "RUN <<<EOF", "ADD <<EOF", "COPY --chown=a <<EOF /x",
    'ENV A="x y" B=\'q r\' C=a\\ b', "ENV A=\"unterminated", "ENV A 'legacy value'",
    'LABEL "k 1"="v 1"\tk2=v2', "ARG A=\"x y\" B='c' C", "FROM\ta\tAS\tb", "FROM  a   as  b",
    'COPY --chown="a b" x y', 'RUN --mount=type=bind,source="x y",target=/z echo', '--x="a"',
    'CMD ["a\\"b", "\\u00e9"]', 'CMD [ "a" , "b" ]', "CMD [\"a\"", "EXPOSE 80\t443  8080/udp",
    "VOLUME [\"/a\"] extra", "USER  a:b  ", "HEALTHCHECK\tCMD\t[\"x\"]", "WORKDIR \"/a b\"",
    "STOPSIGNAL 9", "ENV é=ü", "COPY a\\ b c", "ADD --link=false a b", "ONBUILD RUN a \\",
    "RUN --mount=type=cache,target=/x \\", "  --network=none make",
]


def make(rng):
    lines = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 14))]
    nl = "\r\n" if rng.random() < 0.15 else "\n"
    text = nl.join(lines)
    if rng.random() < 0.7:
        text += nl
    if rng.random() < 0.1:
        text = "\ufeff" + text
    return text


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if not os.path.exists(cb.PY):
        print(f"SKIP: no BuildKit oracle venv at {cb.VENV}")
        return 0
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as d:
        for i in range(count):
            with open(os.path.join(d, f"f{i:05}.Dockerfile"), "w", newline="") as f:
                f.write(make(rng))
        sys.argv = [sys.argv[0], d]
        return cb.main()


if __name__ == "__main__":
    sys.exit(main())
