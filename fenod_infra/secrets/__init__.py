"""Infisical: the client (httpx, no Pulumi) and the Pulumi dynamic provider over it."""
