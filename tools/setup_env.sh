#!/usr/bin/env bash
# Set up (or refresh) the project-local virtual environment `.venv`.
#
# Idempotent: a stamp file records the hash of the requirement files and this script;
# when nothing changed the script exits in about a second. mmcv 2.1.0 has no wheel for
# today's torch, so it is built once from its sdist (with the C++ standard raised to C++20,
# which torch 2.14 headers require) and the wheel is kept in a user-level cache, so later
# set-ups on the same machine (a fresh clone, CI) install it in seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$ROOT/.venv}"
WHEEL_CACHE="${MMWSSS_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmwsss/wheels}"
MMCV_VERSION=2.1.0
STAMP="$VENV/.mmwsss-setup-stamp"

hash_inputs() {
  cat requirements/*.txt tools/setup_env.sh setup.py mmwsss/ops/csrc/*/*.* 2>/dev/null \
    | sha256sum | cut -d' ' -f1
}

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(hash_inputs)" ]]; then
  echo "[setup_env] .venv is up to date"
  exit 0
fi

log() { echo "[setup_env] $*"; }

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

log "pip, setuptools<82 (mmcv's setup.py imports pkg_resources), wheel, ninja"
"${PIP[@]}" install -q --upgrade "pip<26" "setuptools<82" wheel ninja

log "torch and torchvision"
"${PIP[@]}" install -q $(grep -E '^torch(vision)?==' requirements/runtime.txt)

log "numpy and the pure-python part of the stack"
"${PIP[@]}" install -q $(grep -vE '^(#|torch|mmsegmentation|mmpretrain|$)' requirements/runtime.txt)

if ! "$PY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  mkdir -p "$WHEEL_CACHE"
  TORCH_TAG="$("$PY" -c 'import torch; print(torch.__version__.replace("+", "_"))')"
  WHEEL_DIR="$WHEEL_CACHE/mmcv-$MMCV_VERSION-torch$TORCH_TAG"
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    log "building mmcv $MMCV_VERSION with CPU ops from source (about 20-30 minutes on 2 cores, once per machine)"
    BUILD="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation -d "$BUILD" "mmcv==$MMCV_VERSION"
    tar -xzf "$BUILD"/mmcv-*.tar.gz -C "$BUILD"
    SRC="$(ls -d "$BUILD"/mmcv-*/)"
    # torch >= 2.14 headers require C++20; mmcv 2.1.0 hard-codes C++14/17.
    sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    mkdir -p "$WHEEL_DIR"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "${PIP[@]}" wheel -q --no-build-isolation --no-deps -w "$WHEEL_DIR" .)
    rm -rf "$BUILD"
  fi
  log "installing mmcv from $WHEEL_DIR"
  "${PIP[@]}" install -q --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
  "${PIP[@]}" install -q addict yapf packaging pyyaml
fi

log "mmsegmentation and mmpretrain"
"${PIP[@]}" install -q $(grep -E '^(mmsegmentation|mmpretrain)==' requirements/runtime.txt)
log "test requirements"
"${PIP[@]}" install -q -r requirements/tests.txt

log "mmwsss (editable, builds the C++ ops)"
MAX_JOBS="${MAX_JOBS:-$(nproc)}" "${PIP[@]}" install -q --no-build-isolation --no-deps -e .

"$PY" - <<'PYEOF'
import mmcv, mmcv.ops, mmengine, mmseg, mmseg.models, mmpretrain, pydensecrf.densecrf, torch
print('[setup_env] torch', torch.__version__, '| mmcv', mmcv.__version__, '| mmengine',
      mmengine.__version__, '| mmseg', mmseg.__version__, '| mmpretrain', mmpretrain.__version__)
PYEOF
hash_inputs > "$STAMP"
log "done"
