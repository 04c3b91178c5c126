#!/bin/sh
# Backs up every service database with pg_dump (custom format, one consistent snapshot per database)
# into a new directory, and the broker's definitions when rabbitmqctl is at hand. deploy/backup.md says
# when and how; deploy/tests/test_backup.py performs the restore drill.
#
#   sh deploy/backup/backup.sh <backup dir>
#
# Each database's URL comes from <SERVICE>_DATABASE_URL, or from the file <SERVICE>_DATABASE_URL_FILE
# names (the secret files of deploy/make-secrets.sh). A service without either is skipped with a note,
# so the same script serves one database or all five.
set -eu
dir=${1:?usage: backup.sh <backup dir>}
mkdir -p "$dir"
umask 077

. "$(dirname "$0")/settings.sh"

count=0
for service in $SERVICES; do
    name=$(database_setting "$service")
    url=$(setting "$name")
    if [ -z "$url" ]; then
        echo "skipped $service: neither $name nor ${name}_FILE is set" >&2
        continue
    fi
    # -Fc: compressed, restorable table by table; --no-owner/--no-acl: restorable under another role.
    pg_dump --format=custom --no-owner --no-acl --file="$dir/xyd_$service.dump" "$url"
    count=$((count + 1))
done
if [ -n "${RABBITMQCTL:-}" ]; then
    # Users, vhosts, policies, queues and bindings (not the messages). The platform redeclares its own
    # topology on connect; this keeps what operators added (subscriber users, government queues).
    $RABBITMQCTL export_definitions "$dir/rabbitmq-definitions.json"
fi
date -u +%Y-%m-%dT%H:%M:%SZ > "$dir/taken-at"
echo "backed up $count database(s) to $dir"
