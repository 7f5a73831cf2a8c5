# Facilitator as a container: the wheel built from this tree, installed into a slim Python image,
# run as a user without privileges. `compose.yaml` runs two of these behind Caddy.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY facilitator ./facilitator
# The wheel carries the package with its templates and static files.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FACILITATOR_ENV=production \
    LOG_FORMAT=json
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin facilitator
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
USER facilitator
WORKDIR /home/facilitator
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["facilitator"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
