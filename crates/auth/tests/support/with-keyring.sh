#!/usr/bin/env bash
# Runs a command with a real, unlocked Secret Service keyring, for greenroom-auth's keyring tests:
#   dbus-run-session -- crates/auth/tests/support/with-keyring.sh cargo test -p greenroom-auth
# gnome-keyring gets throwaway XDG dirs (a pre-existing login.keyring with another password would
# make it prompt on a display nobody sees) and a fresh session keyring through `keyctl session`.
# The daemon exits with the D-Bus session.
set -euo pipefail
if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
  echo "with-keyring.sh: no D-Bus session; run it as: dbus-run-session -- $0 COMMAND..." >&2
  exit 2
fi
for tool in gnome-keyring-daemon keyctl; do
  command -v "$tool" >/dev/null || { echo "with-keyring.sh: $tool is missing; run crates/auth/tests/prepare.sh" >&2; exit 2; }
done
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/greenroom-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT
mkdir -p "$keyring_home/data" "$keyring_home/run"
chmod 700 "$keyring_home/run"
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
# With an empty data dir, --unlock creates the default "login" collection, unlocked.
eval "$(printf 'greenroom-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyctl session - "$@"
