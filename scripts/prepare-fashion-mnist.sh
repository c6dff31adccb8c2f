#!/usr/bin/env bash
# Fashion-MNIST as class folders for decq: OUT/train (60,000) and OUT/test (10,000), 10 classes, 28x28 PNG.
# Installs Debian's dataset-fashion-mnist when it is missing (needs root or sudo), then converts its idx files.
#   scripts/prepare-fashion-mnist.sh [OUT]      (default data/fashion-mnist)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-data/fashion-mnist}"
src=/usr/share/datasets/fashion-mnist
if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist
fi
if [ -f "$out/.complete" ]; then
  echo "$out: already prepared"; exit 0
fi
rm -rf "$out"
java "$here/FashionMnistToPng.java" "$src" "$out"
touch "$out/.complete"
