#!/bin/sh
# Restores the dumps backup.sh wrote into the databases the same settings name. Each target database
# must exist (deploy/postgres-init.sh creates them) and is emptied first (--clean): run it with the
# platform stopped, or at least its writers (services, relays, consumers, workers) scaled to zero.
#
#   sh deploy/backup/restore.sh <backup dir>
set -eu
dir=${1:?usage: restore.sh <backup dir>}

. "$(dirname "$0")/settings.sh"

count=0
for service in $SERVICES; do
    dump="$dir/xyd_$service.dump"
    [ -f "$dump" ] || continue
    name=$(database_setting "$service")
    url=$(setting "$name")
    if [ -z "$url" ]; then
        echo "cannot restore $service: neither $name nor ${name}_FILE is set" >&2
        exit 1
    fi
    # One transaction: a failed restore leaves the database as it was, not half restored.
    pg_restore --clean --if-exists --no-owner --no-acl --single-transaction --exit-on-error \
        --dbname="$url" "$dump"
    count=$((count + 1))
done
echo "restored $count database(s) from $dir"
