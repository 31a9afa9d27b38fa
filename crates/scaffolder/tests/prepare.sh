#!/usr/bin/env bash
# Installs what greenroom-scaffolder's tests need; safe to run again (it does nothing when
# everything is in place). Needs node + npm and the npm registry.
#  - tests/nunjucks/node_modules: nunjucks 3.2.4 and the packages the reference renderer
#    uses, exactly as package-lock.json pins them.
#  - /var/tmp/greenroom-test-deps/scaffolder/: caches the golden-path build tests reuse
#    (npm cache, Cargo target dir), created empty here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deps=/var/tmp/greenroom-test-deps/scaffolder
mkdir -p "$deps/npm-cache" "$deps/cargo-target"

command -v node >/dev/null || { echo "prepare.sh: node is required (apt-get install nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "prepare.sh: npm is required (apt-get install npm)" >&2; exit 1; }

cd "$here/nunjucks"
stamp=node_modules/.greenroom-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --cache "$deps/npm-cache" >/dev/null
  echo "$want" > "$stamp"
fi
node -e "const v=require('nunjucks/package.json').version; if (v!=='3.2.4') { console.error('nunjucks '+v+' installed, 3.2.4 expected'); process.exit(1) }"
echo "greenroom-scaffolder test prerequisites are in place"
