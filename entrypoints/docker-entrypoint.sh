#!/bin/sh
# sm-core container entrypoint. START_MODE picks the role; extra arguments go to that command:
#   api      migrate the schema (safe from several replicas: advisory lock), then serve HTTP on 0.0.0.0:$PORT
#   worker   process queued jobs until SIGTERM (add --schedule to also run the schedule every minute)
#   cron     enqueue every due schedule entry once, then exit (a Kubernetes CronJob or a crontab tick)
#   migrate  apply pending migrations, then exit (a Kubernetes Job / compose one-shot service)
# Anything else exits 2. The last command is exec'd, so it gets the signals from tini directly.
# `sm-core` is the launcher (bin/sm-core): it sets the V8 heap flags for every command and execs Node.
set -eu

mode="${START_MODE:-}"

case "$mode" in
  api)
    sm-core migrate
    exec sm-core serve --host "${SM_HTTP_HOST:-0.0.0.0}" --port "${PORT:-3000}" "$@"
    ;;
  worker)
    exec sm-core worker "$@"
    ;;
  cron)
    exec sm-core run-schedule "$@"
    ;;
  migrate)
    exec sm-core migrate "$@"
    ;;
  *)
    echo "docker-entrypoint: unknown START_MODE '${mode}': set START_MODE to api, worker, cron or migrate" >&2
    exit 2
    ;;
esac
