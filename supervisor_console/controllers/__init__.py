"""Wiring between the window and the Qt-free rules: actions, bulk jobs, the selection of
users, the pending-reset marks, and the tasks they start. Views know nothing of these."""
