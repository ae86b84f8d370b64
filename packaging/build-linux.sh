#!/usr/bin/env bash
# `make package`: the one-folder PyInstaller bundle, then the .tar.gz and the .deb, all in dist/.
#   dist/reseller-desktop-<version>/                       the bundle (run ./reseller-desktop)
#   dist/reseller-desktop-<version>-linux-<machine>.tar.gz  the bundle as one file, for any distribution
#   dist/reseller-desktop_<version>_<arch>.deb              for Debian and Ubuntu
# The version is reseller_desktop.__version__. PyInstaller's work folder, build/pyinstaller, is kept
# between builds: with it, a rebuild only redoes what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
app=reseller-desktop
version=$(PYTHONPATH=src "$python" -c 'from reseller_desktop import __version__; print(__version__)')
bundle=dist/$app-$version
tarball=dist/$app-$version-linux-$(uname -m).tar.gz
deb=dist/${app}_${version}_$(dpkg --print-architecture).deb

started=$SECONDS
"$python" -m PyInstaller --noconfirm --log-level WARN --workpath build/pyinstaller --distpath dist \
    packaging/reseller-desktop.spec
echo "bundle built in $((SECONDS - started)) s"

rm -f "$tarball" "$deb"
tar -C dist -czf "$tarball" "$app-$version"
packaging/build-deb.sh "$bundle" "$version" "$deb"

echo "bundle:  $bundle  $(du -sh "$bundle" | cut -f1)"
echo "tarball: $tarball  $(du -h "$tarball" | cut -f1)"
echo "deb:     $deb  $(du -h "$deb" | cut -f1)"
echo "packaged in $((SECONDS - started)) s"
