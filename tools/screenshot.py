"""Screenshot of the real app on sample data, for the README.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshot.py docs/listings.png
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshot.py docs/sync.png sync
    (pages: listings, cards, storage, sync, notifications)

Runs the whole app (embedded database in a temporary folder, sample listings from --demo-data) on
the X server it is given, waits until the listings are shown, and saves the window as a PNG.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ["RESELLER_DESKTOP_HOME"] = tempfile.mkdtemp(prefix="rd-screenshot-")

from PySide6.QtCore import QTimer

from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui.app import Application, _qapp

PAGES = {"listings": 0, "cards": 1, "storage": 2, "sync": 3, "notifications": 4}


def main(target: Path, page: str = "listings") -> int:
    qapp = _qapp()
    paths = AppPaths.default()
    app = Application(paths, Settings(), demo_data=True)
    app.window.resize(1360, 820)

    def shoot() -> None:
        app.window.grab().save(str(target))
        print(f"saved {target}")
        app.window.close()
        qapp.quit()

    def ready(_user: object) -> None:
        assert app.workspace is not None
        app.window.navigation.setCurrentRow(PAGES[page])
        if page == "storage":  # show a section's contents, as a seller would look into one
            QTimer.singleShot(800, lambda: _open_first_section(app))
        app.workspace.model.loaded.connect(lambda: QTimer.singleShot(1500, shoot))

    app.ready.connect(ready)
    app.failed.connect(lambda message: (print(message, file=sys.stderr), qapp.exit(1)))
    qapp.aboutToQuit.connect(app.shutdown)
    app.start()
    return qapp.exec()


def _open_first_section(app: Application) -> None:
    assert app.workspace is not None
    view = app.workspace.storage
    view.tree.expandAll()
    model = view.tree.model()
    view.tree.setCurrentIndex(model.index(0, 0, model.index(1, 0)))


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/listings.png"), *sys.argv[2:3]))
