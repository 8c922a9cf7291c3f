#!/bin/sh
# Entry point of the asterisk service in docker-compose.yml (not needed on a hand-installed box).
#
# docker-compose.yml mounts this folder read-only at /etc/asterisk/astbill. This script copies
# its .conf files over the image's samples in /etc/asterisk, writes the ARI user name and
# password from the environment (ARI_USERNAME, ARI_PASSWORD: the same .env values the daemon
# reads, so the two sides always agree), then hands over to the image's own entry point.
set -eu

# The paths can be moved for the test suite (test/deploy); the defaults are the container's.
src=${ASTBILL_CONF_SRC:-/etc/asterisk/astbill}
dst=${ASTBILL_CONF_DST:-/etc/asterisk}
entrypoint=${ASTBILL_IMAGE_ENTRYPOINT:-/usr/local/bin/entrypoint.sh}

: "${ARI_USERNAME:?ARI_USERNAME is not set (put it in .env)}"
: "${ARI_PASSWORD:?ARI_PASSWORD is not set (put it in .env)}"

# Asterisk config files have no quoting: ';' starts a comment, brackets and spaces break the
# section header. Refuse such values rather than start with credentials that cannot match.
case "$ARI_USERNAME" in
  *[!A-Za-z0-9_.-]*) echo "docker-init: ARI_USERNAME may hold only letters, digits, _ . -" >&2; exit 1 ;;
esac
case "$ARI_PASSWORD" in
  *[\;\ \	\[\]\"\'\\]*) echo "docker-init: ARI_PASSWORD must not contain ; spaces quotes brackets or backslashes" >&2; exit 1 ;;
esac
if [ "$ARI_PASSWORD" = "CHANGE-ME-ari-password" ] || [ "${#ARI_PASSWORD}" -lt 12 ]; then
  echo "docker-init: ARI_PASSWORD is the sample placeholder or shorter than 12 characters" >&2
  exit 1
fi

for f in "$src"/*.conf; do
  cp "$f" "$dst/$(basename "$f")"
done

# In ari.conf, the user section is [astbill] and its only `password =` line is the placeholder.
awk '
  /^\[astbill\]/ { print "[" ENVIRON["ARI_USERNAME"] "]"; next }
  /^password[ \t]*=/ { print "password = " ENVIRON["ARI_PASSWORD"]; next }
  { print }
' "$src/ari.conf" > "$dst/ari.conf"
# Asterisk reads its config after dropping root (-U asterisk): the copies must be its own.
if id asterisk >/dev/null 2>&1; then
  for f in "$src"/*.conf; do
    chown asterisk:asterisk "$dst/$(basename "$f")"
  done
fi
chmod 640 "$dst/ari.conf"

# The image's entry point adapts the asterisk user's uid and fixes ownership, then runs CMD.
exec "$entrypoint" "$@"
