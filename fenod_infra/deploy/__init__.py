"""The Pulumi layer: a validated plan in, pulumi-cloudflare resources out."""

from fenod_infra.deploy.program import deploy

__all__ = ["deploy"]
