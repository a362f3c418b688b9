"""No model change without its migration. (The production settings' deployment checks run in
tests/test_production.py, behind the TLS proxy as a city runs them.)"""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    written = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=written)
    except SystemExit:  # makemigrations --check exits with 1 when a migration is missing
        pytest.fail(f"A model changed without its migration:\n{written.getvalue()}")
    assert written.getvalue().strip() == "No changes detected"
