"""For developers and tests, not for a deployment: the `--demo` backend launcher, made-up
rows, and the UI probe the end-to-end tests read."""
