#!/usr/bin/env python3
"""Turns the first image of a `docker save` archive (legacy layout, plain
layer tars) into an OCI image layout directory with compressed layers, the
way a registry or the containerd image store would hold it.

Usage: oci_layout.py SAVE_TAR OUT_DIR gzip|zstd [LEVEL]

Writes OUT_DIR/{oci-layout,index.json,blobs/sha256/*} and OUT_DIR.layers:
one line per layer, "<blob path> <uncompressed bytes>", for the floor
measurements. Layers are streamed through the `gzip`/`zstd` programs.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
level = sys.argv[4] if len(sys.argv) > 4 else ("6" if kind == "gzip" else "3")
media = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}[kind]
cmd = {"gzip": ["gzip", f"-{level}", "-n", "-c"], "zstd": ["zstd", f"-{level}", "-q", "-c"]}[kind]

blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)


def put(data: bytes) -> tuple[str, int]:
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)


with tarfile.open(src) as t:
    manifest = json.load(t.extractfile("manifest.json"))[0]
    config_bytes = t.extractfile(manifest["Config"]).read()
    config = json.loads(config_bytes)
    layers, listing = [], []
    for member in manifest["Layers"]:
        fin = t.extractfile(member)
        tmp = tempfile.NamedTemporaryFile(dir=blobs, delete=False)
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=tmp)
        size = 0
        while True:
            chunk = fin.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            p.stdin.write(chunk)
        p.stdin.close()
        if p.wait() != 0:
            sys.exit(f"{cmd[0]} failed on {member}")
        tmp.close()
        h = hashlib.sha256()
        with open(tmp.name, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        digest = h.hexdigest()
        path = os.path.join(blobs, digest)
        shutil.move(tmp.name, path)
        layers.append({"mediaType": media, "digest": "sha256:" + digest, "size": os.path.getsize(path)})
        listing.append(f"{path} {size}")

cdig, csize = put(config_bytes)
m = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig, "size": csize},
    "layers": layers,
}
mdig, msize = put(json.dumps(m).encode())
tags = manifest.get("RepoTags") or []
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": mdig,
            "size": msize,
            "platform": {"os": config.get("os", "linux"), "architecture": config.get("architecture", "amd64")},
            "annotations": {"org.opencontainers.image.ref.name": tags[0] if tags else "bench"},
        }
    ],
}
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump(index, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(out.rstrip("/") + ".layers", "w") as f:
    f.write("\n".join(listing) + "\n")
