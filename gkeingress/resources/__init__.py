"""Typed, read-only views of what both APIs return: Kubernetes objects, Compute resources, clusters."""
