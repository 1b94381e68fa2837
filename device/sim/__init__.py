"""The physics-based simulator: a person doing rear leg raises on a four-cell mat.

``simulate(SessionSpec(...))`` returns ``(SourceInfo, frames, labels)``;
docs/simulator.md describes the model and the labels.
"""

from .engine import simulate
from .session import SessionSpec, build_session

__all__ = ["SessionSpec", "build_session", "simulate"]
