"""Day clock: a day's steps map onto a wall-clock window (06:00-22:00), then the next day starts."""

from __future__ import annotations

from envs.timeutil import format_hhmm, parse_hhmm
from envs.types import SimTime

__all__ = ["DayClock"]


def _clock_text(seconds_of_day: float) -> str:
    return format_hhmm(seconds_of_day // 60)


class DayClock:
    """Simulation clock.

    Every step advances ``(day_end - day_start) / steps_per_day`` seconds. Past ``day_end`` the
    clock jumps to ``day_start`` of the next day; the night counts as elapsed time, so
    ``SimTime.seconds`` always equals wall-clock time since the clock was last reset.

    Args:
        steps_per_day: steps that span one day's window.
        day_start, day_end: the window, ``"HH:MM"``.
    """

    def __init__(
        self, steps_per_day: int, day_start: str = "06:00", day_end: str = "22:00"
    ) -> None:
        if steps_per_day <= 0:
            raise ValueError(f"steps_per_day must be positive, got {steps_per_day}")
        self.start_s = parse_hhmm(day_start, "day_start") * 60
        self.end_s = parse_hhmm(day_end, "day_end") * 60
        if self.end_s <= self.start_s:
            raise ValueError(f"day_end {day_end} must be after day_start {day_start}")
        self.dt = (self.end_s - self.start_s) / steps_per_day
        self.reset()

    def reset(self, day: int = 0, time: str | None = None) -> None:
        """Restart the clock at ``day`` and ``time`` (default: the start of the day)."""
        self.day = 0
        self.tod = float(self.start_s)
        self.set(day, time)
        self._origin = self._absolute()

    def set(self, day: int, time: str | None = None) -> None:
        """Jump to ``day`` at ``time`` (``"HH:MM"`` inside the day window)."""
        if not isinstance(day, int) or isinstance(day, bool) or day < 0:
            raise ValueError(f"day must be a non-negative int, got {day!r}")
        tod = float(self.start_s if time is None else parse_hhmm(time) * 60)
        if not self.start_s <= tod <= self.end_s:
            raise ValueError(
                f"time {time!r} is outside the day window {_clock_text(self.start_s)}-{_clock_text(self.end_s)}"
            )
        self.day, self.tod = day, tod

    def tick(self) -> None:
        """Advance one step; roll over to the next morning after the day window ends."""
        self.tod += self.dt
        if self.tod > self.end_s + 1e-6:
            self.day += 1
            self.tod = float(self.start_s)

    def state(self) -> tuple[int, float, float]:
        """(day, time of day in s, origin) — enough to restore the clock exactly."""
        return self.day, self.tod, self._origin

    def restore(self, state: tuple[int, float, float]) -> None:
        self.day, self.tod, self._origin = state

    def _absolute(self) -> float:
        return self.day * 86400.0 + self.tod

    def now(self) -> SimTime:
        return SimTime(
            seconds=self._absolute() - self._origin, day=self.day, time_of_day=_clock_text(self.tod)
        )
