#!/bin/sh
# Install the Debian packages named in $PKGS when missing: as root with apt-get, otherwise
# print the exact command to run. Does nothing on systems without dpkg.
set -eu
command -v dpkg-query >/dev/null 2>&1 || exit 0
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "Installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "riskapp needs these Debian packages. Run:"
  echo "  sudo apt-get install --no-install-recommends$missing"
  exit 1
fi
