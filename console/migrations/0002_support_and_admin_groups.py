"""Create the console's two roles as Django groups with their permissions (console/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "support": ("view_console", "grant_credits"),
    "admin": (
        "view_console",
        "view_audit_log",
        "grant_credits",
        "approve_grant",
        "refund_purchase",
        "freeze_wallet",
        "revoke_api_key",
        "sign_out_devices",
        "end_hosted_session",
        "hold_deletion",
    ),
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them exist now.
    app_config = apps.get_app_config("console")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="console", codename__in=codenames)
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUP_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_console_access"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
