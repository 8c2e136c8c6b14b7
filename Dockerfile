# tfseg-bench on an NVIDIA GPU: CUDA 11.2 + cuDNN 8 runtime (what libtensorflow 2.9.1 inside
# @tensorflow/tfjs-node-gpu 4.x was built for), Node 20, pnpm 9, and this repository built with
# tfjs-node-gpu installed by `pnpm gpu:setup`. The entry point is the CLI: `docker run … IMAGE <command>`.
#
# NEVER BUILT OR RUN by the tfseg developers: their machines have no GPU, no container registry and no
# access to the libtensorflow download. Its steps are the ones tested elsewhere (pnpm gpu:setup's
# decisions, doctor's parsing), but expect to debug the first build. See the README's "GPU" section.
#
#   docker build -t tfseg-bench-gpu .
#   docker run --rm --gpus all -v /data/tfseg:/data -e TFSEG_DATA_DIR=/data -v "$PWD/results:/tfseg/results" \
#     tfseg-bench-gpu run --preset paper --shard 0/32 --out results/paper.shard-0.jsonl --no-report
ARG BASE_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
FROM ${BASE_IMAGE}

ENV DEBIAN_FRONTEND=noninteractive
# Node 20 from NodeSource; python3, make and g++ in case tfjs-node-gpu must compile its addon from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg git python3 make g++ \
 && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - \
 && apt-get install -y --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/* \
 && npm i -g pnpm@9

WORKDIR /tfseg
COPY . .
# The README's install, then the one GPU step (no GPU during `docker build`, hence --no-gpu-check).
RUN pnpm install --frozen-lockfile \
 && pnpm gpu:setup --no-gpu-check

ENTRYPOINT ["node", "apps/bench/dist/cli.js"]
CMD ["doctor"]
