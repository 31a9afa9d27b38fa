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

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "prepare.sh: Node.js and npm are required (apt-get install nodejs npm)" >&2; exit 1; }
# The React golden path builds with Vite 8, which needs Node 20.19 or newer.
node -e "const [a,b]=process.versions.node.split('.').map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)" || {
  echo "prepare.sh: Node.js $(node --version) is too old; the golden-path tests need 20.19 or newer" >&2; exit 1; }

cd "$here/nunjucks"
stamp=node_modules/.greenroom-lock-hash
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund --cache "$deps/npm-cache" >/dev/null
  echo "$want" > "$stamp"
fi
node -e "const v=require('nunjucks/package.json').version; if (v!=='3.2.4') { console.error('nunjucks '+v+' installed, 3.2.4 expected'); process.exit(1) }"
echo "greenroom-scaffolder test prerequisites are in place"
