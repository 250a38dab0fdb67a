import pytest

from salespulse.pipeline.models import Pipeline


@pytest.fixture
def pipeline(db) -> Pipeline:
    """The default medical-device pipeline that the migrations install."""
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def stages(pipeline) -> dict:
    return {stage.code: stage for stage in pipeline.stages.all()}


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Argon2 is deliberately slow; tests hash hundreds of passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the .po catalogues so zh-Hans messages can be asserted without `make test`."""
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)
