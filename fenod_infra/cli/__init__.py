"""Thin commands over the spec, deploy and secrets layers."""
