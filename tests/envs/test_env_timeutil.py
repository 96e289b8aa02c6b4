"""The one time-of-day module: HH:MM in minutes, and one set of day periods for everyone."""

from __future__ import annotations

import pytest

from embodied_mem.benchmark.template_context import TemplateConfig
from embodied_mem.memory.retrieval import RetrievalConfig
from envs.builtin.clock import DayClock
from envs.timeutil import MINUTES_PER_DAY, ClockSamples, DayPeriods, format_hhmm, parse_hhmm


def test_parse_and_format_are_inverse_over_the_whole_day() -> None:
    for minutes in range(MINUTES_PER_DAY):
        assert parse_hhmm(format_hhmm(minutes)) == minutes


def test_format_takes_minutes_floors_fractions_and_wraps_past_midnight() -> None:
    assert format_hhmm(615.9) == "10:15"
    assert format_hhmm(MINUTES_PER_DAY + 61) == "01:01"


@pytest.mark.parametrize("bad", ["24:00", "10:60", "1015", "10:5", "", "ab:cd", "100:00"])
def test_parse_rejects_bad_text_naming_the_field(bad: str) -> None:
    with pytest.raises(ValueError, match="morning_end must be 'HH:MM'"):
        parse_hhmm(bad, "morning_end")


def test_periods_cover_the_day_and_range_of_agrees_with_of() -> None:
    periods = DayPeriods(morning_end="11:30", afternoon_end="16:45")
    for minutes in range(MINUTES_PER_DAY):
        lo, hi = periods.range_of(periods.of(minutes))
        assert lo <= minutes < hi
    assert periods.of(parse_hhmm("11:29")) == "morning"
    assert periods.of(parse_hhmm("11:30")) == "afternoon"
    assert periods.of(parse_hhmm("16:45")) == "evening"
    with pytest.raises(ValueError, match="expected one of morning, afternoon, evening"):
        periods.range_of("night")


def test_periods_reject_boundaries_out_of_order() -> None:
    with pytest.raises(ValueError, match="morning_end < afternoon_end"):
        DayPeriods(morning_end="17:00", afternoon_end="12:00")


def test_memory_and_task_generator_default_to_the_same_periods() -> None:
    assert RetrievalConfig().periods == TemplateConfig().periods == DayPeriods()


def test_builtin_clock_labels_agree_with_format_hhmm() -> None:
    clock = DayClock(steps_per_day=96, day_start="06:00", day_end="22:00")
    for _ in range(200):
        now = clock.now()
        assert now.time_of_day == format_hhmm(clock.tod // 60)
        clock.tick()


def test_clock_samples_interpolate_and_clamp() -> None:
    clock = ClockSamples.from_samples([(600, 100.0), (360, 0.0)])
    assert clock.seconds_at(480) == pytest.approx(50.0)
    assert clock.seconds_at(0) == 0.0 and clock.seconds_at(1000) == 100.0
    assert ClockSamples.from_samples([]).seconds_at(480) is None


def test_clock_samples_minutes_at_inverts_seconds_at() -> None:
    clock = ClockSamples.from_samples([(360, 0.0), (600, 100.0)])
    for minutes in (360, 420, 480, 600):
        assert clock.minutes_at(clock.seconds_at(minutes)) == minutes
    assert clock.minutes_at(-5.0) == 360 and ClockSamples([], []).minutes_at(1.0) is None
