"""PostureWatch: a quiet, private posture and sitting-time monitor."""

__version__ = "0.1.0"
