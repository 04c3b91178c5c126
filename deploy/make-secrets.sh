#!/bin/sh
# Writes every secret the platform needs, one file each, into a new directory (default ./xyd-secrets;
# keep it outside the checkout). docker-compose.yml mounts these files as Compose secrets
# (XYD_SECRETS_DIR=<dir>) and deploy/kubernetes/README.md loads the same files into a Kubernetes Secret.
# The services read each one through its <NAME>_FILE setting, so no secret sits in an environment.
#
#   sh deploy/make-secrets.sh ~/xyd-secrets [postgres-host] [rabbitmq-host]
#
# Needs only sh, od, openssl (for the Ed25519 key) and python3 (the list of services). Refuses to overwrite an existing directory:
# new passwords would no longer match the ones PostgreSQL and RabbitMQ already hold.
set -eu
dir=${1:-xyd-secrets}
pg_host=${2:-postgres}
mq_host=${3:-rabbitmq}
if [ -e "$dir" ]; then
    echo "$dir exists; refusing to replace secrets in use (delete it first for a new platform)" >&2
    exit 1
fi
umask 077
mkdir -p "$dir"

random_bytes() { od -An -vtx1 -N"$1" /dev/urandom | tr -d ' \n'; }
# A Fernet key is 32 random bytes, url-safe base64.
fernet_key() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '\n'; }

pg_password=$(random_bytes 24)
mq_password=$(random_bytes 24)
printf '%s' "$pg_password" > "$dir/postgres_password"
printf '%s' "$mq_password" > "$dir/rabbitmq_password"
# Hex passwords need no escaping inside URLs.
# The services' databases: the one list (scripts/procfile.py, read with python3 from the checkout), or
# XYD_SERVICES where this runs without one.
services=${XYD_SERVICES:-$(python3 "$(dirname "$0")/../scripts/procfile.py" short-names)}
for service in $services; do
    printf 'postgresql://xyd:%s@%s:5432/xyd_%s' "$pg_password" "$pg_host" "$service" \
        > "$dir/${service}_database_url"
done
printf 'amqp://xyd:%s@%s:5672/%%2F' "$mq_password" "$mq_host" > "$dir/amqp_url"
fernet_key > "$dir/sms_event_key"
fernet_key > "$dir/webhook_secret_key"
random_bytes 32 > "$dir/service_token_secret"
openssl genpkey -algorithm ed25519 -out "$dir/jwt_private_key" 2>/dev/null
# The containers run as uid 10001 and Compose mounts file secrets with the host's owner and mode.
chmod 0444 "$dir"/*
chmod 0711 "$dir"
echo "secrets written to $dir"
