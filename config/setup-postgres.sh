#!/usr/bin/env bash
# Make the local PostgreSQL 15 answer on 127.0.0.1:5432 for the current user (development and CI).
# Run by `make setup`; does nothing on a machine where that already works.
set -euo pipefail
user=$(id -un)

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

if psql -w -h 127.0.0.1 -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    exit 0
fi
# A fresh Debian PostgreSQL knows only the role postgres and asks for a password
# over TCP: add a superuser role for this user and trust it on 127.0.0.1 only.
echo "Development set-up: PostgreSQL role '$user' with trust on 127.0.0.1"
runuser -u postgres -- psql -qAtc "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1 \
    || runuser -u postgres -- createuser --superuser "$user"
hba=$(runuser -u postgres -- psql -qAtc 'SHOW hba_file')
line="host all $user 127.0.0.1/32 trust"
grep -qxF "$line" "$hba" || sed -i "1i $line" "$hba"
runuser -u postgres -- psql -qAtc 'SELECT pg_reload_conf()' >/dev/null
psql -w -h 127.0.0.1 -d postgres -Atqc 'SELECT 1' >/dev/null
