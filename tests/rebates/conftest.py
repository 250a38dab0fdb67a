import pytest


@pytest.fixture(autouse=True)
def signing_key_file(tmp_path_factory, settings):
    """Sign with a throwaway key of this test session, never with a key under VAR_DIR."""
    path = tmp_path_factory.getbasetemp() / "rebate-signing-test.pem"
    settings.SALESPULSE_SIGNING_KEY_FILE = str(path)
    return path
