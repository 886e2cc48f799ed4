#!/usr/bin/env bash
# `systemd-analyze verify` on deploy/systemd/ as an operator installs it, with /usr/bin/<daemon>
# replaced by the binaries just built, plus the commands the units run (--help of each, which
# parses the same command lines). Fails on any unit error or unknown option.
set -euo pipefail
src="$1/deploy/systemd"
build="$2"
dir=$(mktemp -d /tmp/amo-systemd-XXXXXX)
trap 'rm -rf "$dir"' EXIT
for unit in amo-relay.service amo-token-service.service; do
  sed -e "s#/usr/bin/amo-relay#$build/relay/amo-relay#g" \
      -e "s#/usr/bin/amo-token-service#$build/token-service/amo-token-service#g" "$src/$unit" > "$dir/$unit"
done
out=$(systemd-analyze verify "$dir"/*.service 2>&1 || true)
# verify also reports problems of unrelated units on the host: keep lines about ours.
ours=$(grep -E "amo-(relay|token-service)\.service" <<<"$out" || true)
if [ -n "$ours" ]; then echo "$ours"; exit 1; fi
# The command lines the units run are ones the binaries accept.
"$build/relay/amo-relay" migrate up --help >/dev/null
"$build/relay/amo-relay" --config /dev/null --help >/dev/null
"$build/token-service/amo-token-service" --config /dev/null --help >/dev/null
grep -q "^ExecStartPre=/usr/bin/amo-relay migrate up --config " "$src/amo-relay.service"
echo "systemd units: ok"
