"""The Celery app. Tasks are thin wrappers over services, queued with transaction.on_commit."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")

app = Celery("comfyweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
