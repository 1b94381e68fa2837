#!/usr/bin/env bash
# Remove smartmat: units, /opt/smartmat, the smartmat user. The sessions in
# /var/lib/smartmat and /etc/smartmat/config.toml are kept unless --purge.
# DESTDIR=dir: act on a staged tree and only print steps on the live system.
set -euo pipefail

DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/opt/smartmat}"
PURGE=0
for arg in "$@"; do
    case "$arg" in
        --purge) PURGE=1 ;;
        *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
    esac
done
live() { if [ -n "$DESTDIR" ]; then printf 'would run: %s\n' "$*"; else "$@"; fi; }

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo make uninstall" >&2
    exit 1
fi

live systemctl disable --now smartmat-web.service smartmat-device.service || true
rm -f "$DESTDIR/etc/systemd/system/smartmat-device.service" "$DESTDIR/etc/systemd/system/smartmat-web.service"
live systemctl daemon-reload
rm -rf "$DESTDIR$PREFIX"
if [ "$PURGE" = 1 ]; then
    rm -rf "$DESTDIR/var/lib/smartmat" "$DESTDIR/etc/smartmat"
    live userdel smartmat || true
    echo "smartmat uninstalled; data, config and user removed"
else
    echo "smartmat uninstalled; kept /var/lib/smartmat (sessions) and /etc/smartmat (config): --purge removes them"
fi
