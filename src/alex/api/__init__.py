"""The HTTP API: `create_app()` in `app.py`, one router per resource under `routes/`."""
