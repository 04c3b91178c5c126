import pytest

from xyd_common.config import sqlalchemy_url
from xyd_testing.helpers import amqp_url, postgres_database, rabbitmq_vhost

from .support import BrokerProbe, dispose, event_app


@pytest.fixture(scope="module")
def vhost():
    """A RabbitMQ vhost of this test module's own, deleted after it."""
    with rabbitmq_vhost("xyd-common-test") as name:
        yield name


@pytest.fixture(scope="module")
def broker_url(vhost):
    return amqp_url(vhost)


@pytest.fixture
def sqlite_uri(tmp_path):
    return f"sqlite:///{tmp_path / 'service.db'}"


@pytest.fixture
def postgres_uri():
    with postgres_database() as url:
        yield sqlalchemy_url(url)


@pytest.fixture(params=["sqlite", "postgres"])
def database_uri(request):
    """The same test on a SQLite file and on a throw-away PostgreSQL database."""
    return request.getfixturevalue(f"{request.param}_uri")


@pytest.fixture
def make_app():
    """Build event apps; their database connections are closed after the test."""
    apps = []

    def make(database_uri, amqp, service="test-service"):
        app = event_app(database_uri, amqp, service)
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose(app)


@pytest.fixture
def probe(broker_url):
    """The test's own connection to the broker."""
    probe = BrokerProbe(broker_url)
    yield probe
    probe.close()
