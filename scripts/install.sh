#!/usr/bin/env bash
# Install smartmat on a Raspberry Pi (Raspberry Pi OS Bookworm or later): run as
# root from the checkout, e.g. `sudo make install`.
#
#   system user smartmat (groups gpio), /opt/smartmat/venv (pip install of this
#   checkout), /etc/smartmat/config.toml (kept if present), /var/lib/smartmat,
#   systemd units installed, enabled and started.
#
# DESTDIR=/some/dir: stage the files under that root and only print the steps
# that touch the running system (users, pip, systemctl): for packaging and tests.
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/opt/smartmat}"
PYTHON="${PYTHON:-python3}"
UNITDIR="$DESTDIR/etc/systemd/system"
CONF="$DESTDIR/etc/smartmat/config.toml"
DATA="$DESTDIR/var/lib/smartmat"

say() { printf 'smartmat install: %s\n' "$*"; }
# Steps on the live system; with DESTDIR they are printed, not run.
live() { if [ -n "$DESTDIR" ]; then printf 'would run: %s\n' "$*"; else "$@"; fi; }

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo make install (or DESTDIR=dir $0 to stage)" >&2
    exit 1
fi

say "user and groups"
if [ -z "$DESTDIR" ]; then
    getent group gpio >/dev/null || groupadd --system gpio
    getent passwd smartmat >/dev/null || useradd --system --home-dir /var/lib/smartmat --no-create-home \
        --shell /usr/sbin/nologin --user-group smartmat
    usermod -a -G gpio smartmat
else
    live useradd --system --user-group smartmat '&&' usermod -a -G gpio smartmat
fi

say "virtualenv in $PREFIX/venv"
live "$PYTHON" -m venv "$DESTDIR$PREFIX/venv"
live "$DESTDIR$PREFIX/venv/bin/pip" install --quiet --upgrade pip
live "$DESTDIR$PREFIX/venv/bin/pip" install --quiet "$SRC"
install -d -m 0755 "$DESTDIR$PREFIX/share/docs"
install -m 0644 "$SRC"/docs/*.md "$DESTDIR$PREFIX/share/docs/"

say "config $CONF"
install -d -m 0755 "$(dirname "$CONF")"
if [ -e "$CONF" ]; then
    say "  kept the existing config"
else
    if [ -n "$DESTDIR" ]; then SMARTMAT="$PYTHON -c 'from device.cli import main; main()'"; else SMARTMAT="$PREFIX/venv/bin/smartmat"; fi
    # the bus socket lives in the unit's RuntimeDirectory, where both services find it
    (cd "$SRC" && eval "$SMARTMAT config defaults") \
        | sed 's#^socket = ""#socket = "/run/smartmat/device.sock"#' > "$CONF.new"
    chmod 0640 "$CONF.new"
    mv "$CONF.new" "$CONF"
    live chgrp smartmat "$CONF"
fi

say "data directory $DATA"
install -d -m 0750 "$DATA"
live chown smartmat:smartmat "$DATA"

say "systemd units"
install -d -m 0755 "$UNITDIR"
for unit in smartmat-device.service smartmat-web.service; do
    sed "s#/opt/smartmat#$PREFIX#g" "$SRC/systemd/$unit" > "$UNITDIR/$unit"
    chmod 0644 "$UNITDIR/$unit"
done
live systemctl daemon-reload
live systemctl enable --now smartmat-device.service smartmat-web.service

say "done. Dashboard URL and pairing PIN: journalctl -u smartmat-web -b | grep -Ei 'http|pin'"
