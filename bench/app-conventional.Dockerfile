# The conventional way to ship the same app: Debian trixie-slim as Docker Hub makes it (docs,
# man pages and locales excluded by dpkg path-exclude, see debuerreotype's --slimify) plus
# Debian's python3.13, a shell, running as root; the app and venv copied unchanged from the
# app image, so the comparison is of the base only.
ARG BASE_IMAGE=debian:trixie-slim
ARG APP_IMAGE

FROM ${APP_IMAGE} AS app

FROM ${BASE_IMAGE} AS rootfs
# The local debian:trixie-slim is a plain minbase: apply Docker Hub's slim exclusions to what
# is already installed and to what apt installs next.
RUN set -eux; \
    printf '%s\n' \
      'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
      'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' \
      'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
      > /etc/dpkg/dpkg.cfg.d/docker; \
    find /usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete; \
    find /usr/share/doc -mindepth 1 -type d -empty -delete; \
    rm -rf /usr/share/man/* /usr/share/groff/* /usr/share/info/* /usr/share/lintian/* /usr/share/linda/* /usr/share/locale/*; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 ca-certificates; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# One layer, as a debootstrap'd slim base would be.
FROM scratch AS conventional
COPY --from=rootfs / /
COPY --from=app /opt/app /opt/app
ENV PATH=/opt/app/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    VIRTUAL_ENV=/opt/app/venv \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    PORT=8080
WORKDIR /opt/app/src
ENTRYPOINT ["/opt/app/venv/bin/python", "-m", "gunicorn", "--config", "/opt/app/src/gunicorn.conf.py", "sample_app.wsgi:app"]
