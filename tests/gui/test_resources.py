"""The application's resources: the icon in every size, the menu entry, and what the wheel
installs (pyproject.toml's data-files) matching what is in resources/."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from supervisor_console import icons

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"


def test_the_app_icon_is_found_with_every_png_size(qapp: Any) -> None:
    svg = icons.app_icon_svg()
    assert svg is not None
    assert svg.is_relative_to(RESOURCES)
    for size in icons.APP_ICON_SIZES:
        image = QImage(str(icons.app_icon_png(size, svg)))
        assert (image.width(), image.height()) == (size, size)
    icon = icons.app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= set(icons.APP_ICON_SIZES)


def test_the_desktop_entry_starts_the_console_with_its_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(RESOURCES / "applications" / "supervisor-console.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Name"] == "Supervisor Console"
    assert desktop["Exec"] == "supervisor-console"
    assert desktop["Icon"] == icons.APP_ID
    assert desktop["Categories"] == "Office;Network;"


def test_the_wheel_installs_every_resource_where_it_lies_under_share() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_files = config["tool"]["setuptools"]["data-files"]
    installed = {
        (Path(target) / Path(source).name).as_posix(): source
        for target, sources in data_files.items()
        for source in sources
    }
    on_disk = {p.relative_to(ROOT).as_posix() for p in RESOURCES.rglob("*") if p.is_file()}
    assert set(installed.values()) == on_disk
    for target, source in installed.items():
        assert target == "share/" + Path(source).relative_to("resources").as_posix()
