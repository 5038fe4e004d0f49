"""Shared fixtures: the worked example, the path to the shared datasets, a failing rename."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATASETS = SHARED / "datasets"


def require_datasets(*parts: str) -> Path:
    """The path to a shared dataset, or skip the test with the reason."""
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared datasets sit beside the checkout only in CI")
    return path


def fail_renames_onto(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``os.replace`` onto ``path`` raise ``OSError("disk full")``: the last step of an
    atomic write fails (other renames still work)."""
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == path:
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)


def worked_example_network(train_bias: bool = False) -> gn.Network:
    """The tutorials' 2-2-2 sigmoid network (../shared/reference/worked-example.md)."""
    return gn.Network(
        [
            gn.Dense(
                2,
                2,
                "sigmoid",
                weights=[[0.15, 0.25], [0.20, 0.30]],
                bias=0.35,
                train_bias=train_bias,
            ),
            gn.Dense(
                2,
                2,
                "sigmoid",
                weights=[[0.40, 0.50], [0.45, 0.55]],
                bias=0.60,
                train_bias=train_bias,
            ),
        ],
        loss="half_squared_error",
    )


WORKED_X = np.array([[0.05, 0.10]])
WORKED_Y = np.array([[0.01, 0.99]])


@pytest.fixture
def worked() -> gn.Network:
    return worked_example_network()
