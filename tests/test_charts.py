"""The charts' geometry (``lti_tool.learning.charts``): axes that read true."""

from __future__ import annotations

from lti_tool.learning import charts

PERCENT = charts.Scale((0, 25, 50, 75, 100), lambda value: f"{value} %")


def test_a_count_axis_grows_with_the_data() -> None:
    chart = charts.histogram([0, 3, 9], ["a", "b", "c"])
    assert [tick.label for tick in chart.y_ticks] == ["0", "3", "6", "9"]
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.y == charts.TOP  # the highest bar reaches the top of the axis


def test_a_percentage_axis_runs_to_100_whatever_the_data() -> None:
    for chart in (
        charts.histogram([0, 20], ["North", "South"], PERCENT),
        charts.cumulative([0, 20], ["w1", "w2"], ["", ""], PERCENT),
    ):
        assert [tick.label for tick in chart.y_ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
        assert chart.y_ticks[-1].at == charts.TOP
    # 20 % sits a fifth of the way up, not at the top as a count axis would draw it.
    bar = charts.histogram([20], ["North"], PERCENT).bars[0]
    assert bar.height == round(charts.PLOT_HEIGHT / 5, 1)
