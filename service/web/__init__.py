"""The clinician's web form, served at /.

    views.py       GET / (the form), POST / (the recommendation on the same page)
    form.py        form inputs ↔ the profile dict ProfileSchema loads; errors beside inputs
    vocabulary.py  words and groups for the red-flag, symptom and form vocabularies
    present.py     the dumped recommendation as words, numbers and chart geometry

CSRF protection covers this blueprint's POST only: the JSON API and CDS Hooks are
token-based, so the app-wide check stays off and the view asks for it.
"""

from flask import Flask

from service.web.views import bp, csrf


def init_app(app: Flask) -> None:
    """Register the web form blueprint and its CSRF protection."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        # The session only carries the form's CSRF token; never send it cross-site.
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    csrf.init_app(app)
    app.register_blueprint(bp)
