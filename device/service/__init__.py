"""The device service: `smartmat device` and `smartmat run` (see service.py for the design)."""
