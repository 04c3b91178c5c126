"""A service whose database goes away: requests answer 503 JSON, never 500, and it recovers alone."""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

from xyd_common.app import create_service_app
from xyd_common.config import common_settings
from xyd_testing.helpers import TcpProxy


def test_a_connection_lost_after_the_answer_or_during_a_request_never_makes_a_500(postgres_uri, tmp_path,
                                                                                  monkeypatch):
    url = make_url(postgres_uri)
    with TcpProxy(url.host, url.port) as proxy:
        monkeypatch.setenv("XYD_OUTAGE_TEST_DATABASE_URL",
                           url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        db = SQLAlchemy()
        app, _ = create_service_app(__name__, common_settings("test-service", "XYD_OUTAGE_TEST_DATABASE_URL"),
                                    db, str(tmp_path / "migrations"))

        @app.get("/read")
        def read():
            return {"one": db.session.scalar(text("SELECT 1"))}

        @app.get("/read-then-lose-the-connection")
        def read_then_cut():
            value = db.session.scalar(text("SELECT 1"))
            proxy.cut()  # after the work, before the session ends in the teardown
            return {"one": value}

        client = app.test_client()
        try:
            assert client.get("/read").json == {"one": 1}
            answer = client.get("/read-then-lose-the-connection")
            assert (answer.status_code, answer.json) == (200, {"one": 1})
            down = client.get("/read")
            assert down.status_code == 503 and down.json["code"] == "service_unavailable"
            proxy.restore()
            assert client.get("/read").json == {"one": 1}  # pre-ping replaces the dead connections
        finally:
            with app.app_context():
                db.engine.dispose()
