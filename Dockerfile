# The API server. The database is a separate Neo4j 5 (see docker-compose.yml): this image has no Java,
# so NEO4J_URI must be set, and the local-Neo4j launcher is never used here.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A font that sets Chinese text, for the printable door plates (GET /plates/{village}.pdf).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, read from pyproject.toml, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md ./
COPY api ./api
COPY schema ./schema
COPY graph ./graph
COPY seeds ./seeds
# Installed for the `yimaqing` command; PYTHONPATH keeps imports on /app, where data files sit beside the code.
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin yimaqing \
    && mkdir -p /app/.data \
    && chown yimaqing /app/.data

USER yimaqing
ENV ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000
EXPOSE 8000

# The first start may seed the demo county before the app answers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000"]
