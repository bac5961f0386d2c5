"""kibitz: a chess companion that learns how the people who use it play."""

__version__ = "0.1.0"
