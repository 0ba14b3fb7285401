"""Background work of the matchmaking app."""
