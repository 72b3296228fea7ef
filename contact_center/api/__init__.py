"""The HTTP API (FastAPI): the app, its middleware and problem answers, the request and
answer bodies, and one routes module per resource."""
