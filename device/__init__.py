"""smartmat device side: sources, analysis, store, bus, feedback and the CLI.

Nothing in this package imports ``web``; hardware libraries are imported only
inside the hardware source and feedback modules, when they are chosen.
"""

__version__ = "0.1.0"
