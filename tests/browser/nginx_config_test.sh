#!/usr/bin/env bash
# `nginx -t` on deploy/nginx/amo-realtime.conf as an operator installs it (a copy of the folder
# under the configuration directory, included from the http context), with a throwaway
# self-signed certificate at the placeholder paths' place. Fails on any nginx error.
set -euo pipefail
src="$1/deploy/nginx"
dir=$(mktemp -d /tmp/amo-nginx-t-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp -r "$src" "$dir/amo-realtime"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=portal.example \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
sed -i -e "s#/etc/ssl/certs/portal.example.pem#$dir/cert.pem#" -e "s#/etc/ssl/private/portal.example.key#$dir/key.pem#" \
  -e "s#/var/log/nginx/#$dir/#" "$dir/amo-realtime/amo-realtime.conf"
grep -q "$dir/cert.pem" "$dir/amo-realtime/amo-realtime.conf"
cat > "$dir/nginx.conf" <<CONF
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    include amo-realtime/amo-realtime.conf;
}
CONF
nginx -t -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
