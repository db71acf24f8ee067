"""Alex: an AI financial planner."""

__version__ = "0.1.0"
