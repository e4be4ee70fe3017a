"""When to try a failed job again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped; ``None`` from :meth:`delay` means give up."""

    first_delay: dt.timedelta = dt.timedelta(seconds=10)
    factor: float = 3.0
    max_delay: dt.timedelta = dt.timedelta(hours=1)
    #: Each delay is spread by ± this fraction, so failures of many jobs do not retry in step.
    jitter: float = 0.2

    def delay(
        self, attempts: int, max_attempts: int, *, rng: random.Random | None = None
    ) -> dt.timedelta | None:
        """The wait before attempt ``attempts + 1``, or None when ``attempts`` were all it had."""
        if attempts >= max_attempts:
            return None
        base = min(
            self.first_delay.total_seconds() * self.factor ** max(attempts - 1, 0),
            self.max_delay.total_seconds(),
        )
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return dt.timedelta(seconds=base * spread)
