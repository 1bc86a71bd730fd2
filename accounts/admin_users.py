"""Admin for users and devices."""
