"""Sample shops generated at a small scale for several seeds, shared by the recovery tests of the
product, keyword and live sections (each generation takes a few seconds)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import mkdtemp

from helpers.sample import generate_sample

SEEDS = (3, 5, 8)
SCALE = 0.5


@cache
def seeded_shop(seed: int) -> tuple[Path, dict]:
    """(folder, ground truth) of the sample shop generated with ``seed`` at :data:`SCALE`."""
    folder = Path(mkdtemp(prefix=f"traffic-seed-{seed}-"))
    return folder, generate_sample(folder, seed=seed, scale=SCALE)
