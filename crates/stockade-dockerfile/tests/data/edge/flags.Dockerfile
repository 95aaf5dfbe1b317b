FROM a
RUN --mount=type=secret,id=x --mount=type=cache,target=/c --network=none --security=insecure echo
COPY --from=build --chown=1:1 --chmod=755 --link a b
ADD --checksum=sha256:abc --keep-git-dir=true https://x/y.git /z
COPY --parents --exclude=*.md . /app
