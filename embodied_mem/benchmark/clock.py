"""Wall-clock helpers: the benchmark talks about times of day as ``HH:MM`` strings.

FindingDory maps each experience day onto 06:00-22:00; templates and records use minutes of
day internally so that intervals compare as integers.
"""

from __future__ import annotations

DAY_START = "06:00"
DAY_END = "22:00"


def to_minutes(hhmm: str) -> int:
    """Minutes since midnight of ``"HH:MM"``.

    Raises:
        ValueError: if ``hhmm`` is not a valid 24-hour ``HH:MM`` string.
    """
    hh, sep, mm = str(hhmm).partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"expected a time of day 'HH:MM', got {hhmm!r}")
    h, m = int(hh), int(mm)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"time of day out of range (00:00-23:59): {hhmm!r}")
    return h * 60 + m


def to_hhmm(minutes: float) -> str:
    """``"HH:MM"`` of a minute of day (fractions are floored; wraps past midnight)."""
    total = int(minutes) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def seconds_to_hhmm(seconds_of_day: float) -> str:
    """``"HH:MM"`` of a time given in seconds since midnight."""
    return to_hhmm(seconds_of_day // 60)
