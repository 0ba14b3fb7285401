"""Models of the knowledge hub (good examples, methods, documents) and the one search over everything."""
