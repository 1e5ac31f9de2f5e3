"""Rendering reports for people and machines."""
