"""Retraining the players' models from the window, in a separate process."""
