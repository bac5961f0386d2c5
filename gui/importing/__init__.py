"""Games in and out: PGN files, export, and the clipboard (PGN and FEN)."""
