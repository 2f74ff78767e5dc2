#!/usr/bin/env bash
# Builds .gpu/, what a bare GPU machine (no Node, no network) needs to run the webgpu bench:
# a compressed Node binary, the project files the bench loads (traced), the Vulkan loader and the
# GL dispatch libraries the NVIDIA Vulkan driver needs (Debian amd64 packages). There, run
# `bash scripts/gpu-check.sh` (it unpacks these and runs the benches).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu
AVALANCHE_TS_OFFLINE=1 AVALANCHE_TS_WEBGPU=software node scripts/trace-bench-files.js .gpu/files.txt --backend webgpu >/dev/null
echo scripts/bench-steady.js >> .gpu/files.txt
tar cf - -T .gpu/files.txt | gzip -6 > .gpu/bundle.tar.gz
gzip -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.gz
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
mkdir -p /tmp/amd64/partial
apt-get $o update -qq
(cd .gpu && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
du -sh .gpu
