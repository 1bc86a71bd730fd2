# The accounts admin is split by concern: users and devices, and API keys and authorized origins.
from accounts import admin_keys, admin_users

__all__ = ["admin_keys", "admin_users"]
