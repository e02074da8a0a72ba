# The ipcase image: the wheel of this repository installed with the pinned dependencies of
# constraints.txt, run as an unprivileged user. The same wheel is what tests/installed checks.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY state_machines ./state_machines
COPY service ./service
COPY workflows ./workflows
COPY notifications ./notifications
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11.11-slim-bookworm
COPY --from=build /src/constraints.txt /tmp/constraints.txt
COPY --from=build /wheels /wheels
# Pango and a CJK font for the documents' PDFs (WeasyPrint embeds subsets of Noto Serif/Sans CJK)
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir -c /tmp/constraints.txt /wheels/*.whl \
 && rm -rf /wheels /tmp/constraints.txt \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin ipcase \
 && mkdir -p /data /casefile && chown ipcase:ipcase /data /casefile
USER ipcase
WORKDIR /data
# the embedded default (SQLite + Prefect's ephemeral mode) keeps its files in /data: mount a volume there
ENV IPCASE_DATABASE_URL=sqlite:////data/ipcase.db \
    PREFECT_HOME=/data/prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["ipcase", "serve", "--host", "0.0.0.0", "--port", "8000"]
