"""Suite-wide set-up: Qt runs offscreen; async tests run on the qasync loop."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
