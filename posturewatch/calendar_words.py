"""Weekday and month names in the user's language (``strftime``'s ``%a``,
``%A``, ``%b``, ``%B`` follow the C locale of the process, which is English
unless the program calls ``setlocale``; these follow :mod:`posturewatch.i18n`).
Pure: standard library only."""

from __future__ import annotations

from datetime import date

from posturewatch.i18n import N_, _, pgettext

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
          N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
          N_("December"))


def _short_weekday(index: int) -> str:
    # Translators: short weekday names (three letters in English), as in "Mon 16".
    return (pgettext("weekday", "Mon"), pgettext("weekday", "Tue"), pgettext("weekday", "Wed"),
            pgettext("weekday", "Thu"), pgettext("weekday", "Fri"), pgettext("weekday", "Sat"),
            pgettext("weekday", "Sun"))[index]


def _short_month(index: int) -> str:
    # Translators: short month names, as in "16 Nov 2026".
    return (pgettext("month", "Jan"), pgettext("month", "Feb"), pgettext("month", "Mar"),
            pgettext("month", "Apr"), pgettext("month", "May"), pgettext("month", "Jun"),
            pgettext("month", "Jul"), pgettext("month", "Aug"), pgettext("month", "Sep"),
            pgettext("month", "Oct"), pgettext("month", "Nov"), pgettext("month", "Dec"))[index]


def weekday_name(day: date | int, short: bool = False) -> str:
    """'Monday' / 'Mon' (``day``: a date, or 0 for Monday ... 6 for Sunday)."""
    index = day if isinstance(day, int) else day.weekday()
    return _short_weekday(index) if short else _(WEEKDAYS[index])


def month_name(day: date | int, short: bool = False) -> str:
    """'November' / 'Nov' (``day``: a date, or the month 1 ... 12)."""
    index = (day if isinstance(day, int) else day.month) - 1
    return _short_month(index) if short else _(MONTHS[index])
