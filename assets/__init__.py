"""Bundled resources: the base model (``base/``) and the piece images (``pieces/``)."""
