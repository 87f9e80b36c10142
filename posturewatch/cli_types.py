"""Command-line number types that refuse what would crash or hang the program.

Click's ``FloatRange`` lets ``nan`` through (every comparison with it is
false) and ``float`` accepts ``inf`` and ``1e308``; here every number must be
finite and inside its range, and the message says which range.
"""

from __future__ import annotations

import math

import click

DAY_S = 86400.0


class FiniteFloat(click.ParamType):
    """A finite number in ``[minimum, maximum]``; with ``positive`` it must be
    above 0 as well (``minimum`` may then be left out)."""

    name = "number"

    def __init__(self, minimum: float | None = None, maximum: float | None = None,
                 unit: str = "", positive: bool = False) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit
        self.positive = positive

    def _range(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.positive and self.minimum is None:
            low = "above 0"
        else:
            low = f"from {self.minimum:g}"
        high = f" up to {self.maximum:g}{unit}" if self.maximum is not None else unit
        return f"a number {low}{high}"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float) and math.isfinite(value):
            number = value
        else:
            try:
                number = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number; give {self._range()}", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number; give {self._range()}", param, ctx)
        too_low = (self.minimum is not None and number < self.minimum) or (
            self.positive and number <= 0)
        too_high = self.maximum is not None and number > self.maximum
        if too_low or too_high:
            self.fail(f"{value!r} is out of range; give {self._range()}", param, ctx)
        return number


INTERVAL_S = FiniteFloat(maximum=DAY_S, unit="seconds (a day)", positive=True)
"""``--interval-s``: seconds between samples, above 0 and at most a day."""
