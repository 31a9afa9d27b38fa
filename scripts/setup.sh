#!/usr/bin/env bash
# Installs what Greenroom needs to build, run and test on Debian/Ubuntu, and nothing that
# is already there. Safe to run again. System packages are installed only when running as
# root (otherwise the missing ones are listed with the command to install them).
set -euo pipefail

# Packages: the Rust build (C toolchain for SQLite/libgit2), the Tauri desktop stack
# (WebKitGTK), headless end-to-end testing (Xvfb, WebKitWebDriver, screenshots), the real
# keyring for tests (D-Bus, gnome-keyring), and the real Git servers the tests start.
PACKAGES=(
  build-essential pkg-config curl file git
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth webkit2gtk-driver xdotool imagemagick
  dbus dbus-x11 gnome-keyring libsecret-tools keyutils
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: see https://rustup.rs (Greenroom builds with Rust 1.95 or later)." >&2
  exit 1
fi
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component" || true
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js 20 or later with npm is needed for the desktop app's interface." >&2
  exit 1
fi

# The desktop app's end-to-end tests drive it through tauri-driver (2.1.0: the 3.x line is
# still alpha).
export PATH="$HOME/.cargo/bin:$PATH"
# (tauri-driver has no --version: cargo's list of installed binaries says which one it is.)
if ! cargo install --list 2>/dev/null | grep -q '^tauri-driver v2\.1\.0:'; then
  echo "Installing tauri-driver 2.1.0"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi

# The interface's packages, exactly as locked; again only when the lock file changed.
ui="$(dirname "$0")/../ui"
# (npm's own node_modules/.package-lock.json is written in another shape, so keep a copy of
# the lock file that was installed.)
if ! cmp -s "$ui/package-lock.json" "$ui/node_modules/.greenroom-installed-lock.json"; then
  echo "Installing the interface's npm packages"
  (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.greenroom-installed-lock.json)
fi
