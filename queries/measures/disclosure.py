"""Small numbers: what an external pack may show.

Figures about few children can identify them. In a pack marked for external use:

- a count below the threshold (``SQA_SUPPRESS_BELOW``, 5 by default) is shown as "<5",
  zero included (a zero is a count below five too, and showing it would let a reader
  subtract);
- a rate is withheld when its numerator, its denominator, or the difference between them
  is below the threshold: 2 of 40 would be a small count, and so would 38 of 40 (two
  not), since the reader can work the small one out.

Internal packs and the dashboard show every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

WITHHELD = "withheld (small numbers)"


@dataclass(frozen=True)
class Disclosure:
    """How a pack treats small numbers: ``threshold`` None means show everything."""

    threshold: int | None = None

    @property
    def external(self) -> bool:
        return self.threshold is not None

    def count(self, n: int) -> str:
        if self.threshold is not None and n < self.threshold:
            return f"<{self.threshold}"
        return f"{n:,}"

    def rate_shown(self, numerator: int, denominator: int) -> bool:
        """Whether a rate built on these counts may be shown."""
        if denominator == 0:
            return True  # nothing to show anyway ("–")
        if self.threshold is None:
            return True
        t = self.threshold
        return numerator >= t and denominator >= t and denominator - numerator >= t

    def rate(self, numerator: int, denominator: int) -> float | None:
        """The rate, or None when there is none or it is withheld."""
        if denominator == 0 or not self.rate_shown(numerator, denominator):
            return None
        return numerator / denominator

    def rate_text(self, numerator: int, denominator: int, digits: int = 1) -> str:
        if denominator == 0:
            return "–"
        if not self.rate_shown(numerator, denominator):
            return "withheld"
        return f"{numerator / denominator * 100:.{digits}f}%"

    def note(self) -> str:
        if self.threshold is None:
            return "For internal use: every figure is shown."
        return (
            f"For external use: counts below {self.threshold} are shown as "
            f"<{self.threshold}, and rates that would reveal a count below "
            f"{self.threshold} are withheld."
        )


INTERNAL = Disclosure()
