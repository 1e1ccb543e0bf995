#!/bin/sh
# azd predeploy hook: applies the Backoffice migrations to the target database before the services
# are updated. The connection string comes from ConnectionStrings__backoffice or from the azd
# environment value BACKOFFICE_CONNECTION_STRING (`azd env set BACKOFFICE_CONNECTION_STRING "Host=…"`).
set -eu
cd "$(dirname "$0")/.."
if [ -z "${ConnectionStrings__backoffice:-}" ]; then
  ConnectionStrings__backoffice="$(azd env get-value BACKOFFICE_CONNECTION_STRING 2>/dev/null || true)"
fi
if [ -z "${ConnectionStrings__backoffice:-}" ]; then
  echo "migrate: set BACKOFFICE_CONNECTION_STRING in the azd environment (or ConnectionStrings__backoffice)." >&2
  exit 1
fi
export ConnectionStrings__backoffice
dotnet run --project Backoffice.Migrator --configuration Release -- migrate
