#!/usr/bin/env bash
# Install the Debian packages Tawasul needs when they are missing and we may (root).
# chromium: browser tests; fonts-noto-core: Arabic text in PDFs; gettext: translations;
# poppler-utils: reading generated PDFs in tests.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
fc-list 2>/dev/null | grep -i "Noto Naskh Arabic" >/dev/null || need+=(fonts-noto-core)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Missing system packages (install them with your package manager): ${need[*]}" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi
