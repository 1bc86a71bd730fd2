"""Load the initial price table, so a fresh install never has an unpriced route (quality.md L9)."""

from django.db import migrations


def seed(apps, schema_editor):
    # A snapshot of the vendor modules' defaults at install time; later changes are new price versions.
    from django.utils import timezone

    from nodes.vendors import VENDORS

    PriceVersion = apps.get_model("nodes", "PriceVersion")
    Price = apps.get_model("nodes", "Price")
    PricingSettings = apps.get_model("nodes", "PricingSettings")
    if PriceVersion.objects.exists():
        return
    version = PriceVersion.objects.create(
        label="Initial list prices", effective_from=timezone.now(), note="Seeded by migration 0002."
    )
    Price.objects.bulk_create(
        Price(version=version, vendor=vendor.name, key=key, unit=unit, unit_micros=micros, free=micros == 0,
              source=source)
        for vendor in VENDORS.values()
        for key, (unit, micros, source) in vendor.prices.items()
    )
    PricingSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("nodes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
