"""Time of day, in one place for every package: ``HH:MM`` text ↔ minutes, and day periods.

Conventions (DESIGN.md): simulation time is seconds since the episode start plus a day index
and a wall clock ``HH:MM``. Everything here works in **minutes since midnight** (int); callers
holding seconds divide by 60 first. FindingDory maps each experience day onto
:data:`DAY_START`-:data:`DAY_END`; morning/afternoon/evening are the :class:`DayPeriods`
boundaries, one config that task generation and memory queries both read.

This module imports nothing of the project (numpy only) (it lives in ``envs``, which every package may use).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MINUTES_PER_DAY = 24 * 60

DAY_START = "06:00"
"""FindingDory's day starts here (the built-in env's default window)."""
DAY_END = "22:00"
"""... and ends here."""

PERIOD_NAMES = ("morning", "afternoon", "evening")


def parse_hhmm(text: str, what: str = "time") -> int:
    """Minutes since midnight of a 24-hour ``"HH:MM"`` string.

    Raises:
        ValueError: naming ``what`` (e.g. ``"day_start"``) and the bad text.
    """
    hh, sep, mm = str(text).strip().partition(":")
    ok = sep and hh.isdigit() and len(hh) <= 2 and mm.isdigit() and len(mm) == 2
    if not (ok and int(hh) < 24 and int(mm) < 60):
        raise ValueError(f"{what} must be 'HH:MM' (24 h clock, e.g. '10:15'), got {text!r}")
    return int(hh) * 60 + int(mm)


def format_hhmm(minutes: float) -> str:
    """``"HH:MM"`` of a minute of day; fractions are floored, past midnight wraps around."""
    total = math.floor(minutes) % MINUTES_PER_DAY
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass
class DayPeriods:
    """Where morning, afternoon and evening begin and end; the periods cover the whole day.

    Morning is everything before ``morning_end``, evening everything from ``afternoon_end``
    on, so every minute of day belongs to exactly one period (``of`` and ``range_of`` agree).
    """

    morning_end: str = "12:00"
    """The morning ends and the afternoon starts at this time (``HH:MM``)."""
    afternoon_end: str = "17:00"
    """The afternoon ends and the evening starts at this time (``HH:MM``)."""

    def __post_init__(self) -> None:
        morning = parse_hhmm(self.morning_end, "morning_end")
        afternoon = parse_hhmm(self.afternoon_end, "afternoon_end")
        if not 0 < morning < afternoon:
            raise ValueError(
                f"need 00:00 < morning_end < afternoon_end, got {self.morning_end}, "
                f"{self.afternoon_end}"
            )

    def range_of(self, period: str) -> tuple[int, int]:
        """[start, end) minutes of day of ``morning`` / ``afternoon`` / ``evening``.

        Raises:
            ValueError: an unknown period name (the valid ones are listed).
        """
        key = str(period).strip().lower()
        morning = parse_hhmm(self.morning_end)
        afternoon = parse_hhmm(self.afternoon_end)
        ranges = {
            "morning": (0, morning),
            "afternoon": (morning, afternoon),
            "evening": (afternoon, MINUTES_PER_DAY),
        }
        if key not in ranges:
            raise ValueError(f"unknown period {period!r}; expected one of {', '.join(ranges)}")
        return ranges[key]

    def of(self, minutes: int) -> str:
        """The period a minute of day falls in."""
        if minutes < parse_hhmm(self.morning_end):
            return "morning"
        return "afternoon" if minutes < parse_hhmm(self.afternoon_end) else "evening"


@dataclass
class ClockSamples:
    """Sorted (minutes-of-day, seconds) samples of one day, to turn ``HH:MM`` into sim seconds.

    Built from whatever clock readings a component logged that day, so no assumption about
    steps per minute is needed.
    """

    minutes: list[int]
    seconds: list[float]

    @classmethod
    def from_samples(cls, samples: Sequence[tuple[int, float]]) -> ClockSamples:
        pairs = sorted(samples, key=lambda p: (p[1], p[0]))
        return cls([p[0] for p in pairs], [p[1] for p in pairs])

    def seconds_at(self, minutes: int) -> float | None:
        """Sim seconds at ``minutes`` of the day, linearly interpolated; None if no samples."""
        if not self.minutes:
            return None
        i = bisect.bisect_left(self.minutes, minutes)
        if i <= 0:
            return self.seconds[0]
        if i >= len(self.minutes):
            return self.seconds[-1]
        m0, m1 = self.minutes[i - 1], self.minutes[i]
        s0, s1 = self.seconds[i - 1], self.seconds[i]
        if m1 == m0:
            return s0
        return s0 + (s1 - s0) * (minutes - m0) / (m1 - m0)

    def minutes_at(self, seconds: float) -> int | None:
        """Minute of day at sim ``seconds`` (the inverse of :meth:`seconds_at`, clamped to the
        samples, rounded); None if no samples."""
        if not self.seconds:
            return None
        return round(float(np.interp(seconds, self.seconds, self.minutes)))
