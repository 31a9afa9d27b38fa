#!/usr/bin/env bash
# Installs what greenroom-sources' tests need; safe to run repeatedly. The remote tests start
# real Git servers on 127.0.0.1: `git daemon` and `git http-backend` (behind a small HTTP
# server in the tests), both part of Debian's git package, and OpenSSH's sshd with throwaway
# keys (openssh-server; ssh-keygen from openssh-client). Only the packages are installed: no
# SSH service is enabled or started by this script (the tests start their own sshd on a free
# port of 127.0.0.1).
set -euo pipefail

packages=(git openssh-server openssh-client)
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "greenroom-sources tests need: ${missing[*]}; run this script as root or install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[[ -x /usr/sbin/sshd ]] || { echo "greenroom-sources tests need /usr/sbin/sshd (Debian's openssh-server)" >&2; exit 1; }
exec_path=$(git --exec-path)
for program in git-daemon git-http-backend; do
  [[ -x "$exec_path/$program" ]] || { echo "greenroom-sources tests need $exec_path/$program (Debian's git package)" >&2; exit 1; }
done
echo "greenroom-sources test prerequisites are ready"
