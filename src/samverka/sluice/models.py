"""Models of one way in: the Get help form, routing rules and the innovation sluice's cases."""
