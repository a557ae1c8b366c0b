# The runnersknee image for deploy/compose.yaml: one image, two commands (serve, worker).
# BASE_IMAGE: any Debian bookworm image with Python 3.11 (python:3.11-slim-bookworm by default;
# scripts/docker-smoke.sh builds one from Debian's packages when Docker Hub is out of reach).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
# WeasyPrint (PDF reports) needs Pango; OpenCV/MediaPipe need GLib and libGL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core libglib2.0-0 libgl1 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /var/lib/runnersknee runnersknee
WORKDIR /opt/runnersknee
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md LICENSE constraints.txt ./
COPY src ./src
# The pose model bundle is assembled at build time (nothing is downloaded at run time).
ENV RUNNERSKNEE_MODEL_DIR=/opt/runnersknee/models
RUN pip install --no-cache-dir -c constraints.txt '.[video]' \
    && python -m runnersknee.gait.pose_bundle \
    && rm -rf /opt/runnersknee/models/wheels
USER runnersknee
ENV RUNNERSKNEE_DATA_DIR=/var/lib/runnersknee \
    RUNNERSKNEE_ENVIRONMENT=production
EXPOSE 8000
CMD ["runnersknee", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
