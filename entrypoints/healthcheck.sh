#!/bin/sh
# Docker HEALTHCHECK for the sm-core image, by START_MODE:
#   api     GET http://127.0.0.1:$PORT/health answers 200 (database reachable, schema current)
#   worker  the database answers (`sm-core migrate --status` connects and reads the migrations table)
#   other   healthy: cron and migrate containers are short-lived one-shots
set -eu

case "${START_MODE:-}" in
  api)
    exec node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health', { signal: AbortSignal.timeout(5000) })
      .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"
    ;;
  worker)
    sm-core migrate --status --json >/dev/null
    ;;
  *)
    exit 0
    ;;
esac
