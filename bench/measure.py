#!/usr/bin/env python3
"""Runs a command and prints "<wall seconds> <peak RSS KiB>" of it and its children.

Usage: measure.py OUTFILE CMD... (stdout/stderr of CMD are discarded)."""
import os, resource, subprocess, sys, time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; max over children
with open(out, "w") as f:
    f.write(f"{wall:.4f} {peak} {p.returncode}\n")
