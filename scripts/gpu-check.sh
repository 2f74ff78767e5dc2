#!/usr/bin/env bash
# The GPU check, run on a bare GPU machine (no Node, no network) from the repository root with .gpu/
# carried (build it here first: bash scripts/gpu-bundle.sh). Writes its figures under $OUT (or out/gpu).
#   device tool: command "bash scripts/gpu-check.sh", carry [".gpu"]
# It unpacks the Vulkan loader and Node, then runs the steady-state bench (fused kernels and plain tfjs ops,
# back to back) and the tutorial bench (wasm, webgpu, webgpu with plain tfjs ops) on the GPU, then the same
# steady-state bench on Dawn's null device (nothing runs): the host's share of the GPU figures.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-out/gpu}"
mkdir -p "$out"
for f in .gpu/*.deb; do dpkg -x "$f" / 2>/dev/null || dpkg -x "$f" /tmp/gpu-root; done
ldconfig 2>/dev/null || true
node_bin=/tmp/node
gzip -dc .gpu/node.gz > "$node_bin" && chmod +x "$node_bin"
tar xzf .gpu/bundle.tar.gz
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
  done
fi
export AVALANCHE_TS_OFFLINE=1
(nvidia-smi -L 2>/dev/null || echo "no nvidia-smi") | tee "$out/device.txt"
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}" | tee -a "$out/device.txt"
AVALANCHE_TS_BACKEND=webgpu timeout "${STEADY_TIMEOUT:-150}" "$node_bin" scripts/bench-steady.js ${STEADY_ARGS:---quick} 2>&1 | grep -v '^\[' | tee "$out/steady.txt"
timeout "${BENCH_TIMEOUT:-300}" "$node_bin" scripts/bench.js --backend webgpu --only tutorial --repeats "${REPEATS:-3}" 2>&1 | grep -v '^\[' | tee "$out/bench.txt"
AVALANCHE_TS_BACKEND=webgpu timeout "${NULL_TIMEOUT:-90}" "$node_bin" scripts/bench-steady.js --quick --device null 2>&1 | grep -v '^\[\|^Warning: max' | tee "$out/steady-null.txt"
