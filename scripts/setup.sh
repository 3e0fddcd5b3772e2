#!/bin/sh
# Installs every Debian package bitc needs to build, test and demo. Idempotent.
set -eu
export DEBIAN_FRONTEND=noninteractive
PACKAGES="build-essential cmake ninja-build git time
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools llvm-19 clang-19 lld-19 libclang-rt-19-dev
  libhalide14-0-dev libboost-program-options-dev
  python3 python3-torch python3-torchvision python3-numpy python3-pil python3-sklearn python3-pytest python3-distributed
  dataset-fashion-mnist
  libgtest-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev libzstd-dev libedit-dev libcurl4-openssl-dev libxml2-dev
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update
  apt-get install -y --no-install-recommends $missing
fi
