# Sourced by backup.sh and restore.sh: the services whose databases they handle, and how a setting is
# read — its value, or the content of the file <SETTING>_FILE names (as the platform itself reads it).
SERVICES="auth product order credit notification"

setting() {
    eval "value=\${$1:-}"
    eval "file=\${$1_FILE:-}"
    if [ -z "$value" ] && [ -n "$file" ]; then value=$(cat "$file"); fi
    printf '%s' "$value"
}

database_setting() {  # auth -> AUTH_DATABASE_URL
    echo "$(echo "$1" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
}
