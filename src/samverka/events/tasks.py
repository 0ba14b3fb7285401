"""Background work of the events app."""
