"""Background work of the knowledge app."""
