"""Who may do what in the console: two Django groups made of the `console.*` permissions.

`support` answers tickets: it reads everything and grants credits (above the threshold a grant waits for a
second approver). `admin` may also approve others' grants, refund, freeze, revoke, sign out, end hosted
sessions, hold deletions and read the whole audit log. The groups are created by a data migration; the
operator adds staff to them in /admin/.
"""

from __future__ import annotations

SUPPORT_GROUP = "support"
ADMIN_GROUP = "admin"

VIEW = "console.view_console"
AUDIT_LOG = "console.view_audit_log"
GRANT = "console.grant_credits"
APPROVE_GRANT = "console.approve_grant"
REFUND = "console.refund_purchase"
FREEZE = "console.freeze_wallet"
REVOKE_KEY = "console.revoke_api_key"
SIGN_OUT = "console.sign_out_devices"
END_SESSION = "console.end_hosted_session"
HOLD_DELETION = "console.hold_deletion"

SUPPORT_PERMISSIONS = (VIEW, GRANT)
ADMIN_PERMISSIONS = (
    VIEW,
    AUDIT_LOG,
    GRANT,
    APPROVE_GRANT,
    REFUND,
    FREEZE,
    REVOKE_KEY,
    SIGN_OUT,
    END_SESSION,
    HOLD_DELETION,
)
GROUP_PERMISSIONS = {SUPPORT_GROUP: SUPPORT_PERMISSIONS, ADMIN_GROUP: ADMIN_PERMISSIONS}


def groups_ensure(**_kwargs: object) -> None:
    """Keep both groups holding their permissions (after every migrate and test-database flush; the data
    migration 0002 made them first). Adds what is missing, never removes what an operator granted."""
    from django.contrib.auth.models import Group, Permission

    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [perm.split(".", 1)[1] for perm in perms]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="console", codename__in=codenames)
        )
