# Sourced by backup.sh and restore.sh: the services whose databases they handle (the one list,
# scripts/procfile.py, read with the python3 any backup host of the repository has; XYD_SERVICES
# overrides it where the scripts run without the repository), and how a setting is read — its value,
# or the content of the file <SETTING>_FILE names (as the platform itself reads it).
SERVICES=${XYD_SERVICES:-$(python3 "$(dirname "$0")/../../scripts/procfile.py" short-names)}

setting() {
    eval "value=\${$1:-}"
    eval "file=\${$1_FILE:-}"
    if [ -z "$value" ] && [ -n "$file" ]; then value=$(cat "$file"); fi
    printf '%s' "$value"
}

database_setting() {  # auth -> AUTH_DATABASE_URL
    echo "$(echo "$1" | tr '[:lower:]' '[:upper:]')_DATABASE_URL"
}
