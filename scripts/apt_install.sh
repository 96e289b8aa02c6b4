#!/usr/bin/env bash
# apt_install PKG...: apt-get install whichever of PKG are not installed yet (sudo when not
# root). Sourced by setup.sh and setup_llm.sh.
apt_install() {
  local missing=() pkg sudo=""
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "[setup] not a Debian/Ubuntu system: install the equivalents of: ${missing[*]}" >&2
    return 1
  fi
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "[setup] installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
