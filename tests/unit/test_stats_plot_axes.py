"""Plot axes a person can read: short count labels, several plain log ticks on a narrow range."""

from __future__ import annotations

import matplotlib.pyplot as plt

from pipeline.stats.plots import _log_axis, compact


def test_compact_labels():
    assert [compact(v) for v in (0, 7, 950, 1200, 34_000_000, 2e9)] == ["0", "7", "950", "1.2k", "34M", "2B"]


def _labels(axis) -> list[str]:
    axis.figure.canvas.draw()
    lo, hi = sorted(axis.get_view_interval())
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text() and lo <= t.get_position()[axis.axis_name == "y"] <= hi]


def test_log_axes_have_plain_ticks_even_within_one_decade():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [22, 5])
    ax.set_xscale("log")
    ax.set_yscale("log")
    _log_axis(ax.xaxis)
    _log_axis(ax.yaxis)
    assert _labels(ax.xaxis) == ["1", "2"]  # not 10^0 and 2x10^0
    assert _labels(ax.yaxis) == ["5", "10", "20"]
    fig2, ax2 = plt.subplots()
    ax2.plot([100, 600], [0, 1])
    ax2.set_xscale("symlog", linthresh=1)
    _log_axis(ax2.xaxis, symlog=True)
    ax2.set_xlim(80, 700)
    assert _labels(ax2.xaxis) == ["100", "200", "500"]
    plt.close("all")
