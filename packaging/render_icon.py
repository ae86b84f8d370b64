"""Render the SVG icon to a PNG of one size: `python render_icon.py ICON.svg OUT.png SIZE`.

Qt's own SVG renderer (PySide6, already a dependency), so every platform's build makes the same
pixels without another tool; run with QT_QPA_PLATFORM=offscreen where there is no display.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer


def render(svg: Path, png: Path, size: int) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    png.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(png), "PNG"):
        raise SystemExit(f"could not write {png}")


if __name__ == "__main__":
    source, target, pixels = sys.argv[1:4]
    app = QGuiApplication(sys.argv[:1])  # fonts for the SVG's text need a GUI application
    render(Path(source), Path(target), int(pixels))
