"""Where an example's dataset lives, and one line saying where to get it when it is absent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# dataset -> where to get it (as in ../shared/datasets/README.md, which says where each came from)
SOURCES = {
    "MNIST": "the four IDX .gz files of yann.lecun.com/exdb/mnist (mirrored by torchvision, "
    "Keras and others)",
    "Fashion-MNIST": "the four IDX .gz files of github.com/zalandoresearch/fashion-mnist "
    "(folder data/fashion)",
    "the churn CSV": "Churn_Modelling.csv, shared as Kaggle's 'Churn Modelling' and in many "
    "'first ANN' tutorial repositories",
}


def require(path: str, name: str) -> str:
    """``path`` if it exists; else say in one line what is missing and where to get it, exit 2."""
    if not Path(path).exists():
        missing(name, f"not found at {path}")
    return path


def load(loader: Callable[..., Any], path: str, name: str, **options: Any) -> Any:
    """``loader(path, **options)``, or the one line of :func:`missing` when a file is absent."""
    try:
        return loader(require(path, name), **options)
    except FileNotFoundError as error:  # the folder is there, a file of the set is not
        missing(name, f"incomplete ({error})")


def missing(name: str, what: str) -> None:
    print(
        f"{Path(sys.argv[0]).name}: {name} {what}: get {SOURCES[name]}, then pass --data PATH",
        file=sys.stderr,
    )
    sys.exit(2)
