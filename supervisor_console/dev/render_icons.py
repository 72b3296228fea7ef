"""Render the application icon's PNG sizes from its SVG (after changing the SVG):

    QT_QPA_PLATFORM=offscreen python -m supervisor_console.dev.render_icons

The PNGs are committed, so nothing renders at start-up or at install time.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from supervisor_console.icons import APP_ICON_SIZES, app_icon_png, app_icon_svg


def render(svg_path: str, size: int) -> QImage:
    renderer = QSvgRenderer(svg_path)
    if not renderer.isValid():
        raise ValueError(f"{svg_path} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # painting needs one
    svg = app_icon_svg()
    if svg is None:
        print("resources/icons/hicolor/scalable/apps/supervisor-console.svg not found")
        return 1
    for size in APP_ICON_SIZES:
        out = app_icon_png(size, svg)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not render(str(svg), size).save(str(out)):
            print(f"could not write {out}")
            return 1
        print(out)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
