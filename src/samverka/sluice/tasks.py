"""Background work of the sluice app."""
