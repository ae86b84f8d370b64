#!/usr/bin/env bash
# `make package-test` (CI runs it as root): build the packages, install the .deb with apt so its
# Depends are resolved as on a user's machine, then prove the installed app works:
#   1. no file of the bundle needs a library that `ldd` cannot find (Qt plugins above all);
#   2. `reseller-desktop --self-test` as an ordinary user, once with the offscreen platform and once
#      on a real X server (Xvfb, the xcb platform), each in its own D-Bus session with an unlocked
#      GNOME Keyring, as a desktop login has: the built-in database starts in a temporary folder,
#      migrations run, every view loads, a thumbnail is made and a keyring backend answers.
# Needs (installed by .ci/run): binutils, xvfb, xauth, dbus-daemon, gnome-keyring.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

app=reseller-desktop
install_dir=/opt/$app
tester=${PACKAGE_TEST_USER:-reseller-selftest}

if [[ $(id -u) != 0 ]]; then
    echo "package-test installs the .deb and runs the app as another user: run it as root (CI does)." >&2
    exit 2
fi

packaging/build-linux.sh
version=$(PYTHONPATH=src ${PYTHON:-.venv/bin/python} -c 'from reseller_desktop import __version__; print(__version__)')
deb=$PWD/dist/${app}_${version}_$(dpkg --print-architecture).deb

echo "== installing $deb with apt"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: fetch them when the Depends cannot be resolved.
apt-get install -y -qq --reinstall "$deb" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --reinstall "$deb" >/dev/null; }
installed=$(dpkg-query -W -f='${Version}' "$app")
[[ $installed == "$version" ]] || { echo "installed version is $installed, not $version" >&2; exit 1; }

# ldd sees what the loader sees when the app runs: PyInstaller's launcher puts the bundle's own
# library folder on LD_LIBRARY_PATH (Python's extension modules find the bundled libsqlite3 & co.
# there); everything else must come from the system, that is from the .deb's Depends.
echo "== libraries of the installed bundle (ldd)"
for plugin in platforms/libqxcb.so platforms/libqoffscreen.so imageformats/libqjpeg.so \
    printsupport/libcupsprintersupport.so xcbglintegrations/libqxcb-glx-integration.so; do
    [[ -f $install_dir/_internal/PySide6/Qt/plugins/$plugin ]] || { echo "Qt plugin $plugin is missing" >&2; exit 1; }
done
missing=$(
    find "$install_dir" -type f \( -name '*.so*' -o -perm -u+x \) -print0 |
        while IFS= read -r -d '' file; do
            if head -c 4 "$file" | grep -q $'\x7fELF'; then
                LD_LIBRARY_PATH=$install_dir/_internal ldd "$file" 2>/dev/null |
                    grep "not found" | sed "s|^|$file: |" || true
            fi
        done
)
if [[ -n $missing ]]; then
    echo "libraries not found (add their packages to Depends in packaging/build-deb.sh):" >&2
    echo "$missing" >&2
    exit 1
fi
echo "every library of every bundled program, module and Qt plugin is found"

id "$tester" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$tester"
tester_home=$(getent passwd "$tester" | cut -d: -f6)

# Runs as the tester inside `dbus-run-session`: an unlocked keyring on the session bus, then the
# self-test on the platform given ($1); its output must show that platform and a real keyring.
session='
set -euo pipefail
cd "$HOME"
printf "self-test-keyring\n" | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null
if [[ $1 == xcb ]]; then
    output=$(QT_QPA_PLATFORM=xcb xvfb-run --auto-servernum --server-args="-screen 0 1280x800x24" \
        reseller-desktop --self-test 2>&1) || { echo "$output"; exit 1; }
else
    output=$(QT_QPA_PLATFORM=offscreen reseller-desktop --self-test 2>&1) || { echo "$output"; exit 1; }
fi
echo "$output"
grep -q "^  platform: $1 " <<<"$output" || { echo "not run on the $1 platform" >&2; exit 1; }
grep -q "usable: SecretService" <<<"$output" || { echo "no keyring backend answered" >&2; exit 1; }
'
for platform in offscreen xcb; do
    echo "== $app --self-test as $tester, $platform"
    (
        cd /
        runuser -u "$tester" -- env -i HOME="$tester_home" USER="$tester" LOGNAME="$tester" \
            PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
            dbus-run-session -- bash -c "$session" session "$platform"
    )
done
echo "package-test passed in $((SECONDS - started)) s"
