"""The /proxy engine: one generic flow (design.md flow 2) that runs every declarative vendor module."""
