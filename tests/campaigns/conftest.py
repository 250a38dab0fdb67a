import pytest


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Store uploaded videos under the test's temporary folder, never in var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
