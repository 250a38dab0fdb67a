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


@pytest.fixture(autouse=True)
def default_language():
    """Start and end every test in the default language.

    LocaleMiddleware activates the request's language in the test thread and never
    deactivates it, so a request in English would otherwise turn later tests English.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
