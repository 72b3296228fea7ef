"""PySide6 6.12.0 on CPython 3.11 aborts after a few hundred signal emits (bool_dealloc).

This test emits 100,000 times so an upgrade past the pin is caught here, not by users.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(bool)


def test_signal_emitted_100000_times(qapp: object) -> None:
    emitter = _Emitter()
    seen = [0]

    def count(value: bool) -> None:
        seen[0] += 1

    emitter.fired.connect(count)
    for i in range(100_000):
        emitter.fired.emit(i % 2 == 0)
    assert seen[0] == 100_000
