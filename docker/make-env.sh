#!/usr/bin/env bash
# Create docker/.env from docker/.env.example with fresh random secrets (never overwrites).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/.env"
if [ -e "$target" ]; then
  exit 0
fi
random() { python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$(random | tr -d '=_-')|" \
    -e "s|^AIRFLOW_FERNET_KEY=.*|AIRFLOW_FERNET_KEY=$(random)|" \
    -e "s|^AIRFLOW_JWT_SECRET=.*|AIRFLOW_JWT_SECRET=$(random)|" \
    "$here/.env.example" > "$target"
chmod 600 "$target"
echo "created $target with random secrets"
