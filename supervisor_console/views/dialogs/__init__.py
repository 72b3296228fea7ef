"""The action dialogs, all opened through `DialogRunner` (``open()`` + ``finished``)."""

from supervisor_console.views.dialogs.runner import DialogRunner

__all__ = ["DialogRunner"]
