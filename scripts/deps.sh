#!/usr/bin/env bash
# Installs what trove needs on Debian: a C compiler for SQLite (cgo), the
# external extraction tools, and git/make. Safe to run again.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
command -v git >/dev/null || need+=(git)
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v bzip2 >/dev/null || need+=(bzip2)
# The browser tests (JavaScript off; map screenshots) and SVG validation.
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || need+=(chromium)
command -v xmllint >/dev/null || need+=(libxml2-utils)
# The extraction tools (trove doctor lists what each one is for) and the
# sandbox they run in.
for pkg in tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu antiword catdoc libwpd-tools libwps-tools pst-utils \
  ffmpeg mdbtools sqlite3 bubblewrap minisign opendkim opendkim-tools dnsmasq; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
for extra in "$@"; do
  case "$extra" in
    recoll) command -v recollindex >/dev/null || need+=(recoll) ;;
    *) dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra") ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null; then
  if [ -x /usr/local/go/bin/go ]; then
    export PATH=$PATH:/usr/local/go/bin
  else
    echo "deps: Go 1.26 or newer is needed (https://go.dev/dl/); Debian's golang package may be too old" >&2
    exit 1
  fi
fi
