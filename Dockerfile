# The SPLP's production image: one image for the web server (Granian), the Celery worker and beat, and the
# one-shot migrate and backup commands (see compose.yaml and docs/deployment.md). No secrets inside: every
# setting comes from the environment at run time.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SPLP_VAR_DIR=/var/lib/splp \
    MEDIA_ROOT=/var/lib/splp/media \
    SPLP_LOG_BUFFER_PATH=/var/lib/splp/buffer/reqlog-buffer.sqlite3

# pg_dump/pg_restore for `manage.py backup` and `restore` (Debian 12 ships 15: keep the database at 15).
# Not pinned: Debian's security updates replace the exact version, and a pin would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The code stays root's (the application cannot rewrite itself); the application user owns only its data.
# collectstatic needs a SECRET_KEY, a log hash key and a zone to load the settings: throwaway ones, for this command only.
RUN useradd --system --uid 10001 --home-dir /var/lib/splp --shell /usr/sbin/nologin splp \
    && SECRET_KEY=collectstatic-only SPLP_LOG_HASH_KEY=collectstatic-only SPLP_TIME_ZONE=Asia/Jakarta python manage.py collectstatic --noinput -v0 \
    && mkdir -p /var/lib/splp/media /var/lib/splp/buffer \
    && chown -R splp:splp /var/lib/splp/media /var/lib/splp/buffer

USER 10001:10001
EXPOSE 8000
# Workers: GRANIAN_WORKERS (two per CPU core). SIGTERM lets calls in flight finish and flushes the request log.
CMD ["python", "-m", "splp.serve", "--host", "0.0.0.0", "--port", "8000"]
