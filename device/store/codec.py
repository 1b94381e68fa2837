"""Raw frames packed into compact, exact blocks (one BLOB per second of frames).

Why not floats as they are: 80 frames/s x 5 columns x 8 bytes is 11.5 MB an
hour, and an SD card holds a year of sessions.  Why not float32: a session
written back out as a recording must re-analyse to exactly the reps counted
live, so the codec is lossless.  Each column is stored as 64-bit words:

* ``scaled`` columns: when every value is an exact decimal with at most
  ``k`` digits (HX711 counts have k=0, ``i / 80`` timestamps round-trip at
  k=6), the integers ``round(v * 10**k)`` are delta-coded;
* otherwise the IEEE-754 bit patterns are XOR-ed with their predecessor
  (Gorilla-style), which is exact for any float.

The words are byte-shuffled (all first bytes, then all second bytes, ...) so
that zlib sees long runs of equal high bytes, then compressed.  Layout::

    u8 version (1) | u16 frame count | 5 x i8 decimals (-1: float XOR) | zlib(payload)
"""

from __future__ import annotations

import struct
import zlib
from typing import Sequence

import numpy as np

from ..frames import Frame

VERSION = 1
_HEAD = struct.Struct("<BH5b")
_DECIMALS = (0, 1, 2, 3, 4, 5, 6)
MAX_FRAMES = 65535


class CodecError(ValueError):
    """A frame block that cannot be decoded."""


def _exact_decimals(col: np.ndarray) -> int:
    if not np.all(np.isfinite(col)):
        return -1
    if np.any(np.abs(col) >= 2.0 ** 52):
        return -1
    for k in _DECIMALS:
        scale = 10.0 ** k
        scaled = np.round(col * scale)
        if np.all(np.abs(scaled) < 2.0 ** 53) and np.array_equal(scaled / scale, col):
            return k
    return -1


def _shuffle(words: np.ndarray) -> bytes:
    return words.astype("<u8", copy=False).view(np.uint8).reshape(-1, 8).T.tobytes()


def _unshuffle(raw: bytes, n: int) -> np.ndarray:
    return np.frombuffer(raw, np.uint8).reshape(8, n).T.copy().view("<u8").reshape(n)


def encode_block(frames: Sequence[Frame]) -> bytes:
    """Pack frames (at most 65535) into one block."""
    n = len(frames)
    if not 0 < n <= MAX_FRAMES:
        raise ValueError(f"a block holds 1..{MAX_FRAMES} frames, got {n}")
    cols = np.asarray(frames, dtype=np.float64).T  # 5 x n
    decimals = []
    parts = []
    for col in cols:
        k = _exact_decimals(col)
        decimals.append(k)
        if k >= 0:
            ints = np.round(col * 10.0 ** k).astype(np.int64)
            words = np.diff(ints, prepend=np.int64(0)).view(np.uint64)
        else:
            bits = col.view(np.uint64)
            words = bits ^ np.concatenate(([np.uint64(0)], bits[:-1]))
        parts.append(_shuffle(words))
    return _HEAD.pack(VERSION, n, *decimals) + zlib.compress(b"".join(parts), 6)


def decode_block(blob: bytes) -> list[Frame]:
    """The frames of one block, exactly as they were encoded."""
    try:
        version, n, *decimals = _HEAD.unpack_from(blob)
    except struct.error:
        raise CodecError("frame block too short") from None
    if version != VERSION:
        raise CodecError(f"frame block version {version} (this code reads {VERSION})")
    try:
        payload = zlib.decompress(blob[_HEAD.size:])
    except zlib.error as exc:
        raise CodecError(f"frame block corrupt: {exc}") from None
    if len(payload) != 5 * 8 * n:
        raise CodecError(f"frame block holds {len(payload)} bytes, expected {5 * 8 * n}")
    cols = []
    for i, k in enumerate(decimals):
        words = _unshuffle(payload[i * 8 * n:(i + 1) * 8 * n], n)
        if k >= 0:
            cols.append(np.cumsum(words.view(np.int64)) / 10.0 ** k)
        else:
            cols.append(np.bitwise_xor.accumulate(words).view(np.float64))
    return [Frame(*row) for row in np.column_stack(cols).tolist()]
