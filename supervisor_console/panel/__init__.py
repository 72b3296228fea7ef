"""The live panel's rules without Qt: columns, filters, stuck dialers, batch planning.

`models/panel.py` adapts these to Qt; tests and benchmarks use them directly.
"""
