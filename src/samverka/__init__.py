"""Samverka: the shared platform of Sweden's green clusters, regions and their programmes."""

__version__ = "0.1.0"
