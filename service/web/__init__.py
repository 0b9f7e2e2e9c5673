"""The clinician's web form, served at /.

    views.py       GET / (the form), POST / (the recommendation on the same page)
    form.py        form inputs ↔ the profile dict ProfileSchema loads; errors beside inputs
    vocabulary.py  words and groups for the red-flag, symptom and form vocabularies
    present.py     the dumped recommendation as words, numbers and chart geometry

CSRF protection covers this blueprint's POST only: the JSON API and CDS Hooks are
token-based, so the app-wide check stays off and the view asks for it.
"""

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

from service.web.views import bp, csrf


class SessionOverHttps(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over https.

    Behind a TLS proxy the scheme comes from X-Forwarded-Proto (CDS_TRUSTED_PROXY_HOPS);
    SESSION_COOKIE_SECURE=True still forces it everywhere.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = bool(app.config.get("SESSION_COOKIE_SECURE"))
        return forced or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    """Register the web form blueprint and its CSRF protection."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        # The session only carries the form's CSRF token; never send it cross-site.
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionOverHttps()
    csrf.init_app(app)
    app.register_blueprint(bp)
