"""The web application (FastAPI + Jinja2): dashboards per role and org unit, the JSON API."""
