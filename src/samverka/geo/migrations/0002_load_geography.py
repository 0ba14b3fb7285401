"""Load the nation, the 21 counties and the 290 municipalities shipped in geo/data/."""

from django.db import migrations


def load(apps, schema_editor):
    from samverka.geo.services import load_geography

    load_geography(apps.get_model("geo", "Area"))


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
