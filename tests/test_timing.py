"""The timing checks' slack (tests/timing.py): measured, never under 5 ms, and never so wide
that a spacing of half the floor passes."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.timing import FLOOR, JitterSampler, Slack, slack_from

overshoots = st.lists(st.floats(min_value=0, max_value=1.0), max_size=3000)
floors = st.floats(min_value=0.01, max_value=2.0)


@given(overshoots, floors)
def test_a_spacing_of_half_the_floor_fails_whatever_the_machine(values: list[float], floor: float) -> None:
    with pytest.raises(AssertionError, match="ms apart, under the floor"):
        slack_from(values).assert_spaced([floor, floor / 2, floor], floor)


@given(overshoots, floors)
def test_the_floor_itself_passes_and_the_slack_is_at_least_5_ms(values: list[float], floor: float) -> None:
    slack = slack_from(values)
    slack.assert_spaced([floor, floor * 1.5], floor)
    assert slack.seconds >= FLOOR
    assert slack.below(floor) <= 0.4 * floor


def test_a_jittery_machine_widens_the_slack_and_the_message_says_by_how_much() -> None:
    calm = slack_from([0.0002] * 5000)
    busy = slack_from([0.0002] * 4980 + [0.006] * 20)  # 0.4 % of wakeups 6 ms late
    assert calm.seconds == FLOOR
    assert busy.seconds == pytest.approx(0.012)
    busy.assert_spaced([0.050, 0.039], 0.050)  # 11 ms short: within the busy machine's slack
    with pytest.raises(AssertionError) as failed:
        calm.assert_spaced([0.050, 0.039], 0.050, "jianghan")
    assert "jianghan: two requests 39.0 ms apart" in str(failed.value)
    assert "measured jitter 0.20 ms" in str(failed.value)


def test_a_slack_without_any_measure_is_the_floor() -> None:
    assert slack_from([]) == Slack(jitter=0.0, samples=0, worst=0.0)
    assert slack_from([]).seconds == FLOOR


@pytest.mark.slow  # a process of its own, and seconds of its sleeps
def test_the_sampler_records_the_wakeups_of_a_window() -> None:
    with JitterSampler() as sampler:
        window = sampler.window()
        time.sleep(1.5)
        slack = window.slack()
        assert sampler.count() >= window.since + 200  # 1 ms sleeps: hundreds in 1.5 s, even on a busy machine
    assert slack.samples >= 200
    assert 0 <= slack.jitter <= slack.worst < 1.5
