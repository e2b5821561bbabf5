#!/bin/sh
# Runs before `npm test` (npm's pretest): the browser tests drive Debian's Chromium, which a fresh
# machine lacks. As root with apt-get (this project's machines, CI) it is installed here, quietly;
# anywhere else the one command to run is printed.
set -eu
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the browser tests (test/http/browser.test.ts)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "pretest: the browser tests need Chromium at /usr/bin/chromium: sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
