"""Models of horizon scanning: feed sources, items, tagging, funding calls with deadlines, digests."""
