#!/bin/sh
# Creates one database per service (each service owns its data; none reads another's tables).
#
# The postgres image runs this from /docker-entrypoint-initdb.d only when its data volume is first
# initialised. It is idempotent, so after adding a service an operator can run it again by hand:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-xyd-databases.sh
#
# The names carry an xyd_ prefix because ORDER is an SQL keyword: a database called "order" would need
# quoting in every psql command an operator types.
#
# No `set -u`: when the file is not executable the image's entrypoint sources it rather than running it,
# and options set here would then leak into the entrypoint itself.
set -e

# One database per service of scripts/procfile.py (this runs in the postgres container, where that list
# is not: deploy/tests check that the two agree).
for db in xyd_auth xyd_product xyd_order xyd_credit xyd_notification xyd_loan; do
    # CREATE DATABASE cannot run inside a DO block or take IF NOT EXISTS, hence SELECT ... \gexec.
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres --set db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', current_user)
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
done
