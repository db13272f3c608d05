FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# CJK fonts and HarfBuzz subsetting: without them WeasyPrint draws boxes for Chinese and says nothing.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY procurement ./procurement
COPY batch ./batch
COPY framework ./framework
COPY volume ./volume
COPY notices ./notices
RUN pip install --no-cache-dir .
COPY . .
RUN ALLOW_INSECURE_KEY=1 python manage.py collectstatic --noinput

# var/imports exists in the image so that the volume mounted there (docker-compose) starts owned by portal.
RUN useradd --system --home /app portal && mkdir -p /app/var/imports && chown -R portal /app/var
USER portal
EXPOSE 8000
# gunicorn.conf.py (in /app) sets the workers, the timeout and the access log.
CMD ["gunicorn", "procurement.wsgi:application"]
