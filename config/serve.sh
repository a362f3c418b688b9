#!/usr/bin/env bash
# `make run`'s processes, supervised: gunicorn (which restarts its own workers) and the job worker, started again
# whenever it stops (a crash, a kill, the OOM killer) without taking gunicorn down. TERM or INT stops both; so
# does gunicorn stopping. On a server systemd does this instead (docs/production.md).
# Usage: config/serve.sh BIND WORKERS [GUNICORN_OPTION...], from the repository's root; PY names the Python
# (default .venv's).
set -u
bind=$1 workers=$2
shift 2
py=${PY:-.venv/bin/python}

supervise_worker() {
    local child=
    trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM
    while true; do
        "$py" manage.py run_worker & child=$!
        echo "serve: job worker started (pid $child)"
        wait $child
        echo "serve: job worker stopped (exit $?); starting another in a second"
        sleep 1  # a worker that cannot start (no database yet) is not restarted in a busy loop
    done
}

supervise_worker & supervisor=$!
# Threaded workers: a long streamed export does not stop a worker answering gunicorn's heartbeat.
"$(dirname "$py")/gunicorn" -c config/gunicorn.conf.py config.wsgi --bind "$bind" --workers "$workers" \
    --worker-class gthread --threads 4 --access-logfile - "$@" & server=$!
echo "serve: gunicorn started (pid $server)"
trap 'kill $server 2>/dev/null' TERM INT
status=0
while kill -0 $server 2>/dev/null; do  # a trapped signal ends a `wait` early: wait again for gunicorn's status
    wait $server
    status=$?
done
kill $supervisor 2>/dev/null
wait
exit $status
