#!/usr/bin/env bash
# Installs what greenroom-auth's tests need; safe to run repeatedly.
#  - Debian packages for the real Secret Service keyring: dbus (dbus-run-session), gnome-keyring,
#    libsecret-tools (secret-tool, used to look into the keyring), keyutils (keyctl session).
#  - Node packages of the OpenID provider fixture (panva/oidc-provider), from its lockfile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=(dbus gnome-keyring libsecret-tools keyutils)
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "greenroom-auth tests need: ${missing[*]}; run this script as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Wait for other installers instead of failing on the dpkg lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v node >/dev/null || { echo "greenroom-auth tests need Node.js (20 or later) for the OpenID provider fixture" >&2; exit 1; }
cd "$here/oidc-provider"
if [[ ! -d node_modules/oidc-provider ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "greenroom-auth test prerequisites are ready"
