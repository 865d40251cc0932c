#!/bin/sh
# `patchwell`: the command line of the installed Patchwell (the deb links /usr/bin/patchwell here; on macOS it is
# Patchwell.app/Contents/Resources/bin/patchwell). It runs the app's own binary in command-line mode, so the CLI
# uses the native modules built for that binary. With no arguments it opens the desktop app.
set -e
here=$(dirname "$(readlink -f "$0")")
if [ -x "$here/../../patchwell" ]; then
  app="$here/../../patchwell" # Linux: /opt/Patchwell/resources/bin -> /opt/Patchwell/patchwell
elif [ -x "$here/../../MacOS/Patchwell" ]; then
  app="$here/../../MacOS/Patchwell" # macOS: Contents/Resources/bin -> Contents/MacOS/Patchwell
else
  echo "patchwell: the Patchwell app binary is not next to this launcher ($here)" >&2
  exit 1
fi
if [ "$#" -eq 0 ]; then exec "$app"; fi
exec "$app" --no-sandbox --ozone-platform=headless --disable-gpu --cli "$@"
