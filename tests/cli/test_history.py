"""The history commands' command-line side: the backtest progress bar."""

from __future__ import annotations

import pytest


def test_the_backtest_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    from preflight.cli import _stage_progress

    _stage_progress("features", 1500, 6000)
    _stage_progress("szz", 7, 0)
    err = capsys.readouterr().err
    assert "features: [#######.......................]  25% 1,500/6,000" in err
    assert err.endswith("szz: 7")  # no bar without a total (click drops the escape off a terminal)
