"""Admin for API keys (metadata only: never digests or plaintext) and authorized origins."""
