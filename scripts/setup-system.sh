#!/usr/bin/env bash
# Install the system packages Spacetime needs: PyTorch & co. from Debian for model/ (pyflakes
# lints it in `npm run test:model`), ffmpeg, Chromium for the end-to-end test (`npm run test:e2e`),
# and PostgreSQL 15, whose server the PostgreSQL tests and `npm run bench:queue` start in a temp
# folder of their own. This is the one list of the project's Debian packages; everything else
# that needs one refers here.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

PACKAGES=(python3-torch python3-numpy python3-onnx python3-pytest python3-scipy python3-pyflakes
          libopenblas0-pthread ffmpeg chromium postgresql-15)

missing=()
for package in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-system: system packages already present, nothing to do"
  exit 0
fi
echo "setup-system: not installed: ${missing[*]}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup-system: not root and sudo is unavailable; install as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup-system: running apt-get update"
"${SUDO[@]}" apt-get update
echo "setup-system: installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
echo "setup-system: done"
