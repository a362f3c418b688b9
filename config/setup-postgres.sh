#!/usr/bin/env bash
# Make the local PostgreSQL 15 answer on 127.0.0.1:5432 for the current user (development and CI).
# Run by `make setup`; does nothing on a machine where that already works.
set -euo pipefail
user=$(id -un)
# The role's password on a machine this script set up, readable by its owner only; config/settings.py builds the
# default DATABASE_URL with it.
password_file="$(cd "$(dirname "$0")/.." && pwd)/var/database-password"

# Only the local cluster is ours to start; a DATABASE_URL elsewhere is left alone.
if [ -n "${DATABASE_URL:-}" ] && ! [[ "$DATABASE_URL" =~ @?(127\.0\.0\.1|localhost)(:|/) ]]; then
    exit 0
fi
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h | grep -Eq '^15 +main +[0-9]+ +down'; then
    echo "Starting PostgreSQL 15"
    pg_ctlcluster --skip-systemctl-redirect 15 main start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

connects() {
    PGPASSWORD=$(cat "$password_file" 2>/dev/null || true) psql -w -h 127.0.0.1 -d postgres -Atqc 'SELECT 1' \
        >/dev/null 2>&1
}
# What earlier versions of this script added to pg_hba.conf: any local account could connect as this superuser.
trusted="host all $user 127.0.0.1/32 trust"
if connects; then
    # Pre-configured (CI, a developer's own set-up, a role with its password here): nothing to change, unless the
    # connection works through the line an earlier version of this script added.
    hba=$(psql -w -h 127.0.0.1 -d postgres -Atqc 'SHOW hba_file' 2>/dev/null) || exit 0
    [ -r "$hba" ] && grep -qxF "$trusted" "$hba" || exit 0
    echo "PostgreSQL role '$user': replacing the trust on 127.0.0.1 of an earlier set-up by a password"
else
    echo "Development set-up: PostgreSQL role '$user' with a password kept in var/database-password"
fi
# A fresh Debian PostgreSQL knows only the role postgres and asks for a password over TCP (scram-sha-256 on
# 127.0.0.1): add a superuser role for this user (PostGIS needs one to be created) with a generated password.
if [ ! -s "$password_file" ]; then
    mkdir -p "$(dirname "$password_file")"
    (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$password_file")
fi
runuser -u postgres -- psql -qAtc "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1 \
    || runuser -u postgres -- createuser --superuser "$user"
# On standard input, not the command line, where other accounts could read it (the password is hexadecimal).
printf 'ALTER ROLE "%s" PASSWORD '\''%s'\'';\n' "$user" "$(cat "$password_file")" \
    | runuser -u postgres -- psql -qAt -v ON_ERROR_STOP=1 >/dev/null
hba=$(runuser -u postgres -- psql -qAtc 'SHOW hba_file')
if grep -qxF "$trusted" "$hba"; then
    grep -vxF "$trusted" "$hba" > "$hba.new" || true
    cat "$hba.new" > "$hba" && rm "$hba.new"  # the same file, its owner and mode kept
    runuser -u postgres -- psql -qAtc 'SELECT pg_reload_conf()' >/dev/null
fi
connects || { echo "PostgreSQL refuses role '$user' with the password in $password_file over 127.0.0.1:" \
    "pg_hba.conf needs a 'host all all 127.0.0.1/32 scram-sha-256' line (Debian's default)" >&2; exit 1; }
