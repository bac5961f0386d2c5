"""Playing and walking through a game: the board, the side panel, the game session, predictions."""
