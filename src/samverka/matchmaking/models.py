"""Models of needs and offers matchmaking: matches with reasons, introductions and outcomes."""
