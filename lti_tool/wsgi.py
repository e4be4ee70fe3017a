"""WSGI entry point for gunicorn: ``lti_tool.wsgi:app``.

gunicorn imports this once in its master (``preload_app``) and forks the workers from it,
so what is built here is built once per host and shared by every worker.
"""

import gc

from assessments.catalog import translated_tracks
from lti_tool.app import create_app
from lti_tool.settings import SUPPORTED_LOCALES

app = create_app()
# Loading the tracks (their YAML, lab folders and a few seeds of each lab generator) takes
# seconds of CPU: done here, no learner waits for it in the first request of each worker.
for language in SUPPORTED_LOCALES:
    translated_tracks(language, app.config["SETTINGS"].tracks_dir)
# What the app holds for the worker's life (modules, settings, the app, the tracks) leaves
# the cyclic collector's view: a request that builds many objects (a large class's
# gradebook) then no longer pays for walking them on every full collection (≈ 0.15 s of
# 0.45 s there), and a forked worker's collections leave the shared pages unwritten.
gc.freeze()
