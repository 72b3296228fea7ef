"""Icons and other resources; status icons are drawn in code (no image files to ship)."""
