"""The web view (`newsmon serve`): matched articles, one article and why it matched, source
health, the outbox, Atom feeds, the report's JSON, Prometheus metrics, and labels.

An edge like the CLI: it reads through the same read path as `report` (storage.history) and
`show` (storage.queries), writes labels through storage.labels, and renders jinja2 templates
with autoescape on. `app.py` builds the Starlette app, `server.py` runs it under uvicorn.
"""
