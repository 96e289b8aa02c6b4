"""Wall-clock helpers: ``HH:MM`` strings, day periods, and mapping a day's clock to sim seconds."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

#: FindingDory maps a day onto 06:00-22:00; these split it into the periods templates name.
PERIODS: dict[str, tuple[int, int]] = {
    "morning": (6 * 60, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 22 * 60 + 1),
}


def parse_hhmm(value: str) -> int:
    """Minutes since midnight of an ``HH:MM`` string; ValueError naming the bad input."""
    hh, sep, mm = str(value).strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
        raise ValueError(f"expected a wall-clock time 'HH:MM' (e.g. '10:15'), got {value!r}")
    return int(hh) * 60 + int(mm)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def period_range(period: str) -> tuple[int, int]:
    """[start, end) minutes of ``morning`` / ``afternoon`` / ``evening``."""
    key = period.strip().lower()
    if key not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    return PERIODS[key]


@dataclass
class DayClock:
    """Sorted (minutes-of-day, seconds) samples of one day, to turn ``HH:MM`` into sim seconds.

    Built from the keyframes and events the memory logged that day (the clock is whatever the
    env reported, so no assumption about steps per minute is needed).
    """

    minutes: list[int]
    seconds: list[float]

    @classmethod
    def from_samples(cls, samples: Sequence[tuple[int, float]]) -> DayClock:
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
