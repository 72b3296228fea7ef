"""How changes reach the consoles: the long poll, its shared answers, the wake-ups."""
