#!/bin/bash
# electron-builder's after-remove (app-builder-lib/templates/linux/after-remove.tpl) for our /usr/bin/patchwell link.
# On an upgrade (deb: "upgrade"; rpm: 1 = a version is still installed) the new package has just made the link:
# leave it, and the AppArmor profile, alone.
case "$1" in
  upgrade|1) exit 0 ;;
esac

if [ "$(readlink /usr/bin/patchwell)" = '/opt/${sanitizedProductName}/resources/bin/patchwell' ]; then
    rm -f /usr/bin/patchwell
fi

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi
