#!/usr/bin/env bash
# bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
#
# One process per GPU through srun (mmseg's script): GPUS processes in all
# (default 4), GPUS_PER_NODE per node (default 4), CPUS_PER_TASK data-loading
# cores each (default 5); SRUN_ARGS adds srun options. PYTHON picks the
# interpreter. E.g. 16 GPUs on two nodes:
#   GPUS=16 GPUS_PER_NODE=8 bash tools/slurm_train.sh PARTITION spml \
#       configs/spml/spml_r101_voc_scribble.py --work-dir work_dirs/spml

set -x

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$(dirname "$0")/train.py" "${CONFIG}" --launcher="slurm" "${@:4}"
