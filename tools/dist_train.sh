#!/usr/bin/env bash
# bash tools/dist_train.sh CONFIG GPUS [train.py options]   (torchrun underneath)
#
# GPUS processes on this machine. Several machines: run it on each with the
# same MASTER_ADDR (the address of node 0) and PORT, NNODES machines in all,
# NODE_RANK 0 .. NNODES-1, e.g. on the second of two:
#   NNODES=2 NODE_RANK=1 MASTER_ADDR=10.1.1.1 PORT=29500 bash tools/dist_train.sh CONFIG 8
# PYTHON picks the interpreter (e.g. PYTHON=.venv/bin/python). On a machine
# without GPU, GPUS processes train on the CPU with the gloo backend.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
