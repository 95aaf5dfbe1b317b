#!/bin/sh
# Deploy script: each docker run line is judged like a Compose service.
set -eu
IMAGE=example/worker:3.0
docker run -d --name worker --restart unless-stopped \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -p 2375:2375 \
  "$IMAGE"
docker run --rm --user 65534:65534 --read-only --cap-drop ALL \
  --security-opt no-new-privileges --memory 128m --cpus 0.5 --pids-limit 64 \
  example/migrate:1.2 --check
