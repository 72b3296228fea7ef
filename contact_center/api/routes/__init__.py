"""One router per resource, included by `api/app.py` in this order: meta, auth, users,
audit, actions, bulk."""
