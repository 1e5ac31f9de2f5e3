"""The paired topology: typed views of both APIs, ingress-gce's names, and how they join."""
