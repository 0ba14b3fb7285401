"""Background work of the newsletters app."""
