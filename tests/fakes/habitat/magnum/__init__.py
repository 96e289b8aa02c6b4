"""The few Magnum math types habitat-sim hands to Python, for the fake habitat-sim (test fake).

Shapes follow magnum-bindings: ``Range3D`` has ``min``/``max`` properties and ``center()`` /
``size()`` *methods* (no ``sizes``), vectors index and convert to numpy, ``Quaternion`` has
``scalar`` and ``vector``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class _Vector:
    _n = 3
    __slots__ = ("_v",)

    def __init__(self, *values: Any) -> None:
        arr = np.asarray(values[0] if len(values) == 1 else values, dtype=np.float32).reshape(-1)
        if arr.shape != (self._n,):
            raise TypeError(f"{type(self).__name__} needs {self._n} components, got {arr.shape}")
        self._v = arr.copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._v.astype(dtype) if dtype is not None else self._v.copy()

    def __getitem__(self, k: int) -> float:
        return float(self._v[k])

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
        return iter(float(x) for x in self._v)

    def __mul__(self, other: Any) -> _Vector:
        return type(self)(self._v * np.asarray(other, dtype=np.float32))

    __rmul__ = __mul__

    def __add__(self, other: Any) -> _Vector:
        return type(self)(self._v + np.asarray(other, dtype=np.float32))

    def __sub__(self, other: Any) -> _Vector:
        return type(self)(self._v - np.asarray(other, dtype=np.float32))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Vector) and bool(np.all(self._v == other._v))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{x:g}' for x in self._v)})"

    @property
    def x(self) -> float:
        return float(self._v[0])

    @property
    def y(self) -> float:
        return float(self._v[1])


class Vector2(_Vector):
    _n = 2
    __slots__ = ()


class Vector3(_Vector):
    _n = 3
    __slots__ = ()

    @property
    def z(self) -> float:
        return float(self._v[2])


class Range3D:
    """An axis-aligned box (what ``aabb`` is from habitat-sim 0.3.3 on)."""

    __slots__ = ("_min", "_max")

    def __init__(self, min: Any = (0.0, 0.0, 0.0), max: Any = (0.0, 0.0, 0.0)) -> None:  # noqa: A002
        self._min, self._max = Vector3(min), Vector3(max)

    @property
    def min(self) -> Vector3:
        return self._min

    @property
    def max(self) -> Vector3:
        return self._max

    def center(self) -> Vector3:
        return Vector3((np.asarray(self._min) + np.asarray(self._max)) / 2)

    def size(self) -> Vector3:
        return Vector3(np.asarray(self._max) - np.asarray(self._min))

    @classmethod
    def from_center(cls, center: Any, half_size: Any) -> Range3D:
        c, h = np.asarray(center, dtype=float), np.asarray(half_size, dtype=float)
        return cls(c - h, c + h)


class Quaternion:
    """A rotation with ``scalar`` and ``vector`` (x, y, z), as magnum.Quaternion."""

    __slots__ = ("scalar", "vector")

    def __init__(self, vector: Any = (0.0, 0.0, 0.0), scalar: float = 1.0) -> None:
        self.vector, self.scalar = Vector3(vector), float(scalar)


__all__ = ["Quaternion", "Range3D", "Vector2", "Vector3"]
