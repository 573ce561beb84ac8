#!/usr/bin/env bash
# Build riskapp.app and a drag-to-Applications .dmg. Runs on macOS only (a Mac or the
# macos runner in installer/ci/build-installers.yml): PyInstaller cannot cross-compile.
#
#   bash installer/macos/build.sh            # -> dist/riskapp-<version>-macos-<arch>.dmg
#
# Uses the python3 on PATH (or $PYTHON), which must be 3.11+; installs riskapp and
# PyInstaller into it (use a virtual environment). Steps: freeze (installer/freeze.py also
# smoke-tests dist/riskapp.app with --self-test and fails on unexpected stderr), sign, dmg.
#
# Signing: with MACOS_SIGN_IDENTITY set ("Developer ID Application: ...") the app is signed
# with the hardened runtime; without it PyInstaller's ad-hoc signature stays (fine for
# testing; Gatekeeper then asks users to right-click > Open the first time). Notarising
# (xcrun notarytool submit --wait, then xcrun stapler staple) needs an Apple account and is
# left to the release manager.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(uname -s)" != "Darwin" ]; then
  echo "build.sh: this script builds the macOS app and runs on macOS only" >&2
  exit 1
fi
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
"$PYTHON" -m pip install --quiet -e ".[build]"

VERSION=$("$PYTHON" -c 'import sys; sys.path.insert(0, "installer"); import appinfo; print(appinfo.load().version)')
ARCH=$(uname -m)
APP=dist/riskapp.app
DMG="dist/riskapp-${VERSION}-macos-${ARCH}.dmg"

"$PYTHON" installer/freeze.py

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
fi

STAGE=build/installer/dmg
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "riskapp ${VERSION}" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
echo "build.sh: $DMG ($(du -h "$DMG" | cut -f1))"
