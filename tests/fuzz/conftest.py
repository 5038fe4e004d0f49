"""Hypothesis profiles for the fuzz suite, a hang guard, and the count of examples run.

Two profiles, applied only to the tests in this folder (each fuzz test is decorated with
:func:`fuzz`, so the rest of the suite keeps Hypothesis' defaults):

- ``fuzz-ci`` (default): a few dozen examples per entry point, the whole folder in about a
  minute;
- ``fuzz-long``: at least 10,000 examples per entry point. Select it with
  ``pytest tests/fuzz --long`` or ``GLASSNET_FUZZ=long``.

Every example runs under :func:`no_hang` (a SIGALRM timer): an example that takes longer than
its allowance fails as a hang instead of blocking the run. Hypothesis' own ``deadline`` is off,
because on a shared machine a slow example is not a bug. The number of examples each entry
point ran is written to ``$GLASSNET_FUZZ_COUNTS`` (JSON) when that variable is set.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

LONG_EXAMPLES = 10_000
_COMMON: dict[str, Any] = {
    "deadline": None,
    "derandomize": False,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "print_blob": True,
}
settings.register_profile("fuzz-ci", max_examples=40, **_COMMON)
settings.register_profile("fuzz-long", max_examples=LONG_EXAMPLES, **_COMMON)

_state: dict[str, Any] = {"long": os.environ.get("GLASSNET_FUZZ", "") == "long"}
COUNTS: Counter[str] = Counter()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="fuzz suite: run the long profile (>= 10,000 examples per entry point)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--long", default=False):
        _state["long"] = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _state["long"]:  # the long profile runs for hours; the per-test timeout would stop it
        for item in items:
            if "fuzz" in item.nodeid:
                item.add_marker(pytest.mark.timeout(0))


def pytest_sessionfinish(session: pytest.Session) -> None:
    _flush()


def fuzz(ci_examples: int = 40) -> settings:
    """Settings for one fuzz test: ``ci_examples`` in the CI profile, 10,000 in the long one."""
    if _state["long"]:
        return settings(settings.get_profile("fuzz-long"))
    if os.environ.get("GLASSNET_FUZZ_EXAMPLES"):  # a one-off run of another size
        ci_examples = int(os.environ["GLASSNET_FUZZ_EXAMPLES"])
    return settings(settings.get_profile("fuzz-ci"), max_examples=ci_examples)


def count(entry_point: str) -> None:
    """Record one example run against ``entry_point`` (flushed to the counts file)."""
    COUNTS[entry_point] += 1
    if COUNTS[entry_point] % 200 == 0:
        _flush()


def _flush() -> None:
    path = os.environ.get("GLASSNET_FUZZ_COUNTS")
    if path:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(dict(sorted(COUNTS.items())), file, indent=1)


class Hang(Exception):
    """An example ran longer than its allowance."""


@contextmanager
def no_hang(seconds: float) -> Iterator[None]:
    """Fail with :class:`Hang` if the body runs longer than ``seconds`` (main thread only)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no result after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
