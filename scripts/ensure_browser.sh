#!/bin/sh
# The browser tests drive Debian's Chromium (a test tool's own browser download does not work on a
# closed network) and need a CJK font, or Chinese renders as boxes. Installs both when missing and
# this is root with apt (as in CI); otherwise stops with what to do. Never skips the browser tests.
set -e
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

have_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }

if [ -x "$CHROMIUM" ] && have_font; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "== installing Chromium and a CJK font for the browser tests (apt-get)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk fontconfig
	[ -x "$CHROMIUM" ] && have_font && exit 0
fi
cat >&2 <<MSG

The browser tests need Chromium at $CHROMIUM and a CJK font, and this machine lacks them.
Install them as root, e.g. on Debian/Ubuntu:
    apt-get install chromium fonts-noto-cjk
(or point CHROMIUM at another Chromium binary), then run make test again.

MSG
exit 1
