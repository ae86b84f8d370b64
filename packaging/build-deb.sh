#!/usr/bin/env bash
# Wrap the PyInstaller bundle as a .deb: packaging/build-deb.sh BUNDLE_DIR VERSION OUTPUT.deb
#
# Installs the bundle in /opt/reseller-desktop, the command as /usr/bin/reseller-desktop, the
# desktop entry and icons, and the headless sync as a systemd user unit (not enabled: see
# packaging/reseller-desktop-sync.service). Depends lists the system libraries the bundle does not
# carry (see LINUX_SYSTEM_LIBRARIES in the spec); they were found with
#   dpkg-shlibdeps --ignore-missing-info -l<bundle>/_internal ... -O <every ELF file in the bundle>
# and `make package-test` proves the list on the CI machine: after `apt-get install` of the .deb,
# no file of the bundle may have a library `ldd` reports "not found".
set -euo pipefail

bundle=$1 version=$2 output=$3
here=$(cd "$(dirname "$0")" && pwd)
app=reseller-desktop
arch=$(dpkg --print-architecture)

# t64: Debian 13 and Ubuntu 24.04 renamed these with the 64-bit time_t transition.
depends=(
    "libc6 (>= 2.36)" zlib1g
    "libglib2.0-0t64 | libglib2.0-0" libdbus-1-3 "libcups2t64 | libcups2"
    libfontconfig1 libfreetype6 libgl1 libegl1
    libx11-6 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
    libxcb-xfixes0 libxcb-xkb1
)

stage=$(mktemp -d "${TMPDIR:-/tmp}/$app-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/icons/hicolor/256x256/apps" \
    "$root/usr/lib/systemd/user" "$root/usr/share/doc/$app"

cp -a "$bundle" "$root/opt/$app"
ln -s "/opt/$app/$app" "$root/usr/bin/$app"
install -m 644 "$here/$app.desktop" "$root/usr/share/applications/$app.desktop"
install -m 644 "$here/$app.svg" "$root/usr/share/icons/hicolor/scalable/apps/$app.svg"
install -m 644 "$(dirname "$here")/build/packaging/$app-256.png" "$root/usr/share/icons/hicolor/256x256/apps/$app.png"
# The unit's ExecStart names a per-user install; the package puts the command on the PATH.
sed "s|^ExecStart=.*|ExecStart=/usr/bin/$app sync|" "$here/$app-sync.service" \
    >"$root/usr/lib/systemd/user/$app-sync.service"
chmod 644 "$root/usr/lib/systemd/user/$app-sync.service"
printf 'Reseller Desktop %s, built %s from a PyInstaller bundle.\n' "$version" "$(date -u +%Y-%m-%d)" \
    >"$root/usr/share/doc/$app/README"
# Files as the package installs them: readable by everyone, written by root only.
chmod -R u=rwX,go=rX "$root"

installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
{
    echo "Package: $app"
    echo "Version: $version"
    echo "Architecture: $arch"
    echo "Maintainer: Reseller Desktop <support@reseller-desktop.invalid>"
    echo "Installed-Size: $installed_kb"
    echo "Depends: $(IFS=,; echo "${depends[*]}" | sed 's/,/, /g')"
    echo "Section: misc"
    echo "Priority: optional"
    echo "Description: inventory and cross-listing for resellers"
    echo " Listings, trading cards, storage bins and marketplace sync, with a built-in"
    echo " PostgreSQL database or a shared one."
} >"$root/DEBIAN/control"

# zstd: on two cores 40 s for 83 MB, where dpkg's default xz takes over 8 minutes for 68 MB. Every
# dpkg that can install this package reads it (zstd since dpkg 1.21.18; libc6 >= 2.36 already means
# Debian 12 or Ubuntu 22.10 and later).
dpkg-deb --root-owner-group -Zzstd -z9 --threads-max="$(nproc)" --build "$root" "$output" >/dev/null
