"""Test support for the platform's suites, kept out of the runtime library xyd_common (and out of the
image): `helpers` (throw-away vhosts and databases, free ports, a cuttable TCP proxy, polling with a
deadline, a stand-in auth-service), `service_checks` (the checks every service's tests run), `bad_input`
(the generated bad-input requests) and `pytest_plugin` (the fixtures every service's tests share)."""
