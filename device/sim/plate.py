"""The board: a rigid plate on four springs (the load cells) at its corners.

Four supports under a rigid plate are statically indeterminate: F_z and the
CoP fix only three of the four cell forces.  The springs decide the fourth:
the plate settles in a plane, each cell carries k_i times its deflection.
Unequal stiffnesses (a few %) make the cells disagree as real ones do.
"""

from __future__ import annotations

import numpy as np

from .body import G


class Plate:
    def __init__(self, width_m: float, length_m: float, stiffness: np.ndarray) -> None:
        w, l = width_m / 2.0, length_m / 2.0
        # cells in SPEC order fl, fr, bl, br; rows [1, x, y] of the plane w0 + a x + b y
        p = np.array([[1, -w, l], [1, w, l], [1, -w, -l], [1, w, -l]], dtype=float)
        k = np.asarray(stiffness, dtype=float)
        self._a = (k[:, None] * p) @ np.linalg.inv(p.T @ (k[:, None] * p))

    def cell_loads(self, fz: np.ndarray, cop_x: np.ndarray, cop_y: np.ndarray) -> np.ndarray:
        """Load on each cell in kg, shape (4, n), from F_z in newtons and the CoP."""
        return self._a @ np.stack([fz, fz * cop_x, fz * cop_y]) / G
