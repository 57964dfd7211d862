"""Fixtures of the generator tests: the default demo county's rows, generated once (no database)."""

from __future__ import annotations

import pytest

from graph.loader import Batch
from seeds import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, generate


@pytest.fixture(scope="session")
def demo_batches() -> list[Batch]:
    return list(generate(DEFAULT_SEED, DEFAULT_HOUSEHOLDS))
