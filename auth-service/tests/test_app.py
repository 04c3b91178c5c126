import pytest

from xyd_testing.service_checks import *  # noqa: F403 - the checks every service passes
from xyd_testing.service_checks import ServiceInfo

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture
def service_info(tmp_path):
    from auth_service.signing import generate_key_file

    key = tmp_path / "jwt.pem"
    generate_key_file(key)
    return ServiceInfo("auth-service", "auth_service", "AUTH_DATABASE_URL",
                       extra_env={"JWT_PRIVATE_KEY_FILE": str(key)})
