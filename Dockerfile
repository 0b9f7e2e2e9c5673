# The magnesium CDS service: gunicorn serving service:create_app() as a non-root user.
# Build: docker build -t magnesium-cds .    Run everything: docker compose up (README).

# --- build: durable-rules is a C extension compiled from source, so gcc lives only here.
FROM python:3.12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY rules ./rules
COPY service ./service
# Exact versions from the checked-in lock (scripts/lock writes it): the image CI tested.
RUN /opt/venv/bin/pip install --constraint constraints.txt . \
 && /opt/venv/bin/python -c "import durable.engine, rules, service"

# --- runtime: the virtual environment and the gunicorn settings, nothing else.
FROM python:3.12-slim
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin cds \
 && mkdir -p /app /var/lib/magnesium-cds/spool /var/lib/magnesium-cds/metrics \
 && chown -R cds:cds /app /var/lib/magnesium-cds
COPY --from=build /opt/venv /opt/venv
# Flask's instance folder for an installed package (SQLite default, migrate lock).
RUN mkdir -p /opt/venv/var/service-instance && chown cds:cds /opt/venv/var/service-instance
WORKDIR /app
COPY gunicorn.conf.py ./
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CDS_BIND=0.0.0.0:8000 \
    CDS_SPOOL_DIR=/var/lib/magnesium-cds/spool \
    PROMETHEUS_MULTIPROC_DIR=/var/lib/magnesium-cds/metrics
USER cds
EXPOSE 8000
# Liveness only: /healthz checks no dependency (readiness is /readyz, for the load balancer).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
