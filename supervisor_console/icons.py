"""The application icon (from the top-level resources/ folder) and the status icons.

Status icons are drawn with QPainter: each status has its own shape as well as its own
colour, so the panel stays readable for colour-blind supervisors and on monochrome
screenshots. The application icon is an SVG with PNG renderings (`python -m
supervisor_console.dev.render_icons` makes them); resources/ is laid out as it installs
under share/ (pyproject.toml's data-files), so the same relative paths work from a
source checkout (an editable install) and from an installed wheel.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Callable
from functools import cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

from supervisor_console.api.types import Status

STATUS_COLOURS: dict[Status, str] = {
    Status.AVAILABLE: "#2e9e44",
    Status.BUSY: "#d13438",
    Status.UNAVAILABLE: "#c25400",
    Status.BREAK: "#2f6fdf",
    Status.DND: "#a4262c",
    Status.MEETING: "#7a4fc9",
    Status.OTHER: "#00838f",
    Status.OFFLINE: "#8a8a8a",
}
APP_ID = "supervisor-console"  # the icon's and the .desktop file's name
APP_ICON_SIZES = (16, 32, 48, 64, 128, 256)
STUCK_COLOUR = "#e8a200"
STUCK_TINT = "#fff1c7"
_SIZE = 16
Painter = Callable[[QPainter, QColor], None]


def _circle(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawEllipse(QRectF(2.5, 2.5, 11, 11))


def _square(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawRoundedRect(QRectF(2.5, 2.5, 11, 11), 2, 2)


def _cross(p: QPainter, c: QColor) -> None:
    _circle(p, c)
    p.setPen(QPen(QColor("white"), 2))
    p.drawLine(QPointF(5.5, 5.5), QPointF(10.5, 10.5))
    p.drawLine(QPointF(10.5, 5.5), QPointF(5.5, 10.5))


def _pause(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawRect(QRectF(3.5, 2.5, 3.5, 11))
    p.drawRect(QRectF(9, 2.5, 3.5, 11))


def _no_entry(p: QPainter, c: QColor) -> None:
    _circle(p, c)
    p.setBrush(QColor("white"))
    p.drawRect(QRectF(4.5, 7, 7, 2))


def _triangle(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawPolygon(QPolygonF([QPointF(8, 2), QPointF(14, 13.5), QPointF(2, 13.5)]))


def _diamond(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawPolygon(QPolygonF([QPointF(8, 1.5), QPointF(14.5, 8), QPointF(8, 14.5), QPointF(1.5, 8)]))


def _ring(p: QPainter, c: QColor) -> None:
    p.setPen(QPen(c, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QRectF(3, 3, 10, 10))


def _warning(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.setPen(QPen(QColor("#7a5200"), 1))
    p.drawPolygon(QPolygonF([QPointF(8, 1), QPointF(15, 14.5), QPointF(1, 14.5)]))
    p.setPen(QPen(QColor("black"), 2))
    p.drawLine(QPointF(8, 5.5), QPointF(8, 10))
    p.drawPoint(QPointF(8, 12.5))


_SHAPES: dict[Status, Painter] = {
    Status.AVAILABLE: _circle,
    Status.BUSY: _square,
    Status.UNAVAILABLE: _cross,
    Status.BREAK: _pause,
    Status.DND: _no_entry,
    Status.MEETING: _triangle,
    Status.OTHER: _diamond,
    Status.OFFLINE: _ring,
}


def _paint(shape: Painter, colour: str) -> QIcon:
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    shape(painter, QColor(colour))
    painter.end()
    return QIcon(pixmap)


@cache
def status_icon(status: Status) -> QIcon:
    """Needs a QGuiApplication; cached per status."""
    return _paint(_SHAPES[status], STATUS_COLOURS[status])


@cache
def stuck_icon() -> QIcon:
    return _paint(_warning, STUCK_COLOUR)


LIMIT_COLOURS = {1: "#e8a200", 2: "#c42b1c"}  # warn, alert
LIMIT_TINTS = {1: "#fff6d6", 2: "#fde0dc"}


def _clock(p: QPainter, c: QColor) -> None:
    p.setBrush(c)
    p.drawEllipse(QRectF(1.5, 1.5, 13, 13))
    p.setPen(QPen(QColor("white"), 1.8))
    p.drawLine(QPointF(8, 8), QPointF(8, 4))
    p.drawLine(QPointF(8, 8), QPointF(11, 9.5))


@cache
def limit_icon(level: int) -> QIcon:
    """A clock mark for a row over its time limit: amber (warn) or red (alert)."""
    return _paint(_clock, LIMIT_COLOURS[level])


@cache
def limit_brush(level: int) -> QBrush:
    return QBrush(QColor(LIMIT_TINTS[level]))


@cache
def stuck_brush() -> QBrush:
    return QBrush(QColor(STUCK_TINT))


@cache
def inactive_brush() -> QBrush:
    return QBrush(QColor("#8a8a8a"))


def resource_roots() -> list[Path]:
    """Where resources/ may be: the source checkout, then the install's share/ folders."""
    roots = [Path(__file__).resolve().parent.parent / "resources"]
    for scheme in (sysconfig.get_default_scheme(), "posix_user"):
        try:
            roots.append(Path(sysconfig.get_path("data", scheme)) / "share")
        except KeyError:  # a scheme this platform does not have
            continue
    return roots


def app_icon_svg() -> Path | None:
    """The application icon's SVG file, wherever it was installed; None if missing."""
    relative = Path("icons/hicolor/scalable/apps", f"{APP_ID}.svg")
    return next((r / relative for r in resource_roots() if (r / relative).is_file()), None)


def app_icon_png(size: int, svg: Path) -> Path:
    """The PNG rendering of `size` pixels that sits beside `svg` in the hicolor tree."""
    return svg.parents[2] / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def app_icon() -> QIcon:
    """The window icon: every PNG size, then the SVG for any other (empty if not found)."""
    icon = QIcon()
    svg = app_icon_svg()
    if svg is None:
        return icon
    for size in APP_ICON_SIZES:
        png = app_icon_png(size, svg)
        if png.is_file():
            icon.addFile(str(png), QSize(size, size))
    icon.addFile(str(svg))
    return icon
