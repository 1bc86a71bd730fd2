"""Accounts services (writes) and their owner-scoped getters, split by concern."""
