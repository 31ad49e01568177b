"""Spacetime model package."""
