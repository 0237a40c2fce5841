"""Pure, Pulumi-free description of an app and of one stage's configuration.

Everything that can be decided without the engine (names, limits, references,
which Worker gets which secret, what the stage policy is) is decided here, so it
is fast and testable alone. Every other layer reads these tables.
"""
