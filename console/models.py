"""The console owns no data of its own: its one model is a table-less holder for the permissions that the
`support` and `admin` groups are made of (see roles.py). Grants awaiting a second approver are billing's
`Grant` rows (status pending); every console action writes an `accounts.AuditEvent`."""

from __future__ import annotations

from django.db import models


class ConsoleAccess(models.Model):
    """Never instantiated: Django creates permissions only for models, so they hang off this one."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_console", "Can read the support console (search, users, charges)"),
            ("view_audit_log", "Can read and export the whole audit log"),
            ("grant_credits", "Can grant credits (above the threshold only with a second approver)"),
            ("approve_grant", "Can approve another staff member's grant above the threshold"),
            ("refund_purchase", "Can refund a purchase through the payment provider"),
            ("freeze_wallet", "Can freeze and unfreeze a wallet"),
            ("revoke_api_key", "Can revoke a user's API key"),
            ("sign_out_devices", "Can sign a user out of every device"),
            ("end_hosted_session", "Can end a user's hosted ComfyUI session"),
            ("hold_deletion", "Can put an account deletion on hold and release it"),
        ]

    def __str__(self) -> str:
        return "console access"
