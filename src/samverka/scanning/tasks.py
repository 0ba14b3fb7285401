"""Background work of the scanning app."""
