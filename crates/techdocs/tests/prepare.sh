#!/usr/bin/env bash
# Installs what the fidelity test and the benchmark compare against: MkDocs with the
# mkdocs-techdocs-core plugin (the generator Backstage runs), in a virtualenv outside the repo.
# Idempotent: a venv that already has the pinned versions is left alone.
set -euo pipefail

DEPS="${GREENROOM_TEST_DEPS:-/var/tmp/greenroom-test-deps}"
VENV="$DEPS/mkdocs-venv"
# Pinned to the versions the notes studied; techdocs-core pins its own extensions
# (mkdocs-material 9.7.7, pymdown-extensions 11.0.1, ...).
PINS=(mkdocs==1.6.1 mkdocs-techdocs-core==1.7.1 Markdown==3.10.3)
STAMP="$VENV/.greenroom-pins"

if [ -x "$VENV/bin/mkdocs" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "${PINS[*]}" ]; then
  echo "mkdocs venv ready: $VENV"
  exit 0
fi

mkdir -p "$DEPS"
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  # Debian splits venv/ensurepip out of python3.
  apt-get update -q && apt-get install -y -q python3-venv
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/mkdocs" --version
echo "${PINS[*]}" > "$STAMP"
echo "mkdocs venv ready: $VENV"
