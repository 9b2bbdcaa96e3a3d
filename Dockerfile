# The hotline's one image: web, worker and scheduler differ only by command (see compose.yaml).
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOTLINE_ENV=production \
    PROMETHEUS_MULTIPROC_DIR=/run/hotline/metrics

RUN useradd --system --create-home --home-dir /home/hotline hotline \
    && mkdir -p /opt/hotline /run/hotline/metrics \
    && chown hotline:hotline /run/hotline/metrics

WORKDIR /opt/hotline
COPY pyproject.toml README.md ./
COPY routing ./routing
COPY directory ./directory
COPY hotline ./hotline
COPY channels ./channels
COPY admin ./admin
COPY wsgi.py gunicorn.conf.py ./
RUN pip install --no-cache-dir .

USER hotline
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--workers", "4", "--threads", "4", "--bind", "0.0.0.0:8000", "wsgi:app"]
