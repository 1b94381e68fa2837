"""Whole-body dynamics: the vertical ground reaction and centre of pressure from segment motion.

For segments of mass m_i with CoM (x_i, y_i, z_i) and accelerations a_i, the
floor pushes with F_z = sum m_i (g + a_zi), and the moment balance about the
board gives x_cop = sum [m_i (g + a_zi) x_i - m_i a_xi z_i] / F_z (y alike).
In statics this is the CoM projection, whatever touches the mat; in motion
the accelerating segments add the bumps and spikes a real mat sees.
"""

from __future__ import annotations

import numpy as np

from .body import G


def ground_reaction(coms: np.ndarray, masses: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F_z (N), CoP x and y (m) at the interior points of a uniform grid of segment CoMs (S, 3, n)."""
    acc = (coms[:, :, 2:] - 2.0 * coms[:, :, 1:-1] + coms[:, :, :-2]) / (dt * dt)
    x, y, z = coms[:, 0, 1:-1], coms[:, 1, 1:-1], coms[:, 2, 1:-1]
    vertical = masses[:, None] * (G + acc[:, 2])
    fz = vertical.sum(axis=0)
    mx = (vertical * x - masses[:, None] * acc[:, 0] * z).sum(axis=0)
    my = (vertical * y - masses[:, None] * acc[:, 1] * z).sum(axis=0)
    return fz, mx / fz, my / fz
