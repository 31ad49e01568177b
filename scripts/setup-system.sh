#!/usr/bin/env bash
# Install the system packages Spacetime needs (PyTorch & co. from Debian, ffmpeg, Chromium for
# the end-to-end test, `npm run test:e2e`, and PostgreSQL 15, whose server the PostgreSQL tests
# and `npm run bench:queue` start in a temp folder of their own).
# Idempotent: does nothing when everything is already present.
set -euo pipefail

PACKAGES=(python3-torch python3-numpy python3-onnx python3-pytest python3-scipy libopenblas0-pthread ffmpeg chromium postgresql-15)

need=0
if ! /usr/bin/python3 -c 'import torch, numpy, onnx, pytest, scipy' >/dev/null 2>&1; then
  echo "setup-system: /usr/bin/python3 cannot import torch, numpy, onnx, pytest, scipy"
  need=1
fi
if ! command -v ffmpeg >/dev/null 2>&1; then
  echo "setup-system: ffmpeg not found on PATH"
  need=1
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup-system: chromium not found on PATH"
  need=1
fi

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  echo "setup-system: PostgreSQL server binaries (pg_ctl) not found"
  need=1
fi

if [ "$need" -eq 0 ]; then
  echo "setup-system: system packages already present, nothing to do"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup-system: not root and sudo is unavailable; install as root: apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

echo "setup-system: running apt-get update"
"${SUDO[@]}" apt-get update
echo "setup-system: installing ${PACKAGES[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}"
echo "setup-system: done"
