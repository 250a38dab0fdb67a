from django.db import migrations

from salespulse.crm.defaults import CHANNELS, CUSTOMER_TIERS, PRODUCT_LINES


def install(apps, schema_editor):
    Channel = apps.get_model("crm", "Channel")
    ProductLine = apps.get_model("crm", "ProductLine")
    CustomerTier = apps.get_model("crm", "CustomerTier")
    for code, name, name_en in CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for code, name, name_en in PRODUCT_LINES:
        ProductLine.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    for code, name in CUSTOMER_TIERS:
        CustomerTier.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
