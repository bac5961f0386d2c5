"""The library: every stored game in a sortable, filterable list, and the players with their pages."""
