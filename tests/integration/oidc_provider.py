"""A minimal but real OpenID Connect provider on 127.0.0.1 for tests: authorization code flow with PKCE, RS256 ID
tokens signed with joserfc, JWKS, userinfo and RP-initiated logout, served by `http.server` in a thread.

The authorization endpoint shows an account chooser (one button per configured identity, as `prompt=select_account`
asks for); the browser picks one and is sent back to the client's redirect URI with `code` and `state`. Every rule a
real provider enforces on the client is checked: the registered client id, secret and redirect URI, single-use codes
that expire, the PKCE verifier, the nonce echoed into the ID token and bearer tokens on userinfo.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

CODE_LIFETIME = 60  # seconds
TOKEN_LIFETIME = 600


@dataclass(frozen=True)
class Identity:
    """A person the provider knows; `sub` is stable, the rest are the claims it asserts about them."""

    sub: str
    email: str
    name: str
    email_verified: bool = True

    def claims(self) -> dict[str, Any]:
        return {"sub": self.sub, "email": self.email, "email_verified": self.email_verified, "name": self.name}


@dataclass
class _Grant:
    identity: Identity
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    expires: float


@dataclass
class Provider:
    """The provider's configuration, its one client and what it has seen (for the test's assertions)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    identities: dict[str, Identity]
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"},
                                                                     auto_kid=True))
    issuer: str = ""
    events: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, detail), in order
    _pending: dict[str, dict[str, str]] = field(default_factory=dict)
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, Identity] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> Provider:
        provider = self

        class Handler(_Handler):
            owner = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def seen(self, endpoint: str) -> list[str]:
        with self._lock:
            return [detail for name, detail in self.events if name == endpoint]

    def _record(self, endpoint: str, detail: str) -> None:
        with self._lock:
            self.events.append((endpoint, detail))

    # -- the protocol ---------------------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def authorization_request(self, query: dict[str, str]) -> str:
        """Check an authorization request; return the id of the pending request the chooser page answers."""
        if query.get("client_id") != self.client_id:
            raise _OAuthError("unauthorized_client", "unknown client_id")
        if query.get("redirect_uri") != self.redirect_uri:
            raise _OAuthError("invalid_request", "redirect_uri is not the registered one")
        if query.get("response_type") != "code":
            raise _OAuthError("unsupported_response_type", "only the code flow")
        if "openid" not in query.get("scope", "").split():
            raise _OAuthError("invalid_scope", "scope must include openid")
        if not query.get("state"):
            raise _OAuthError("invalid_request", "state is missing")
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            raise _OAuthError("invalid_request", "only S256 code challenges")
        pending = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[pending] = query
        self._record("authorize", json.dumps(query, sort_keys=True))
        return pending

    def approve(self, pending: str, person: str) -> str:
        """The chooser's answer: the redirect to the client with a fresh code and the request's state."""
        with self._lock:
            query = self._pending.pop(pending, None)
        if query is None or person not in self.identities:
            raise _OAuthError("invalid_request", "unknown or used authorization request")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(self.identities[person], query["client_id"], query["redirect_uri"],
                                       query.get("nonce"), query.get("code_challenge"), time.time() + CODE_LIFETIME)
        self._record("approve", person)
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        method = "client_secret_post"
        if authorization and authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
            method = "client_secret_basic"
        if client_id != self.client_id or not secrets.compare_digest(client_secret or "", self.client_secret):
            raise _OAuthError("invalid_client", "client authentication failed", status=401)
        if form.get("grant_type") != "authorization_code":
            raise _OAuthError("unsupported_grant_type", "only authorization_code")
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use, even when the rest is wrong
        if grant is None or grant.expires < time.time() or grant.client_id != client_id:
            raise _OAuthError("invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise _OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            if _s256(verifier) != grant.code_challenge:
                raise _OAuthError("invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + TOKEN_LIFETIME,
                  "auth_time": now, "at_hash": _s256(access_token, half=True), **grant.identity.claims()}
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
        with self._lock:
            self._tokens[access_token] = grant.identity
        self._record("token", f"{grant.identity.sub} {method} pkce={grant.code_challenge is not None}")
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                "scope": "openid email profile", "id_token": id_token}

    def userinfo(self, authorization: str | None) -> dict[str, Any]:
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self._lock:
            identity = self._tokens.get(token)
        if identity is None:
            raise _OAuthError("invalid_token", "unknown access token", status=401)
        self._record("userinfo", identity.sub)
        return identity.claims()

    def logout(self, query: dict[str, str]) -> str:
        """RP-initiated logout: check the id_token_hint this provider signed; back to the registered URI."""
        subject = ""
        if hint := query.get("id_token_hint"):
            try:
                subject = str(jwt.decode(hint, self.key, algorithms=["RS256"]).claims.get("sub", ""))
            except (JoseError, ValueError) as exc:
                raise _OAuthError("invalid_request", f"id_token_hint: {exc}") from None
        target = query.get("post_logout_redirect_uri") or ""
        if target != self.redirect_uri:
            raise _OAuthError("invalid_request", "post_logout_redirect_uri is not registered")
        self._record("logout", subject)
        return target


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status


def _s256(value: str, half: bool = False) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2] if half else digest).rstrip(b"=").decode("ascii")


class _Handler(BaseHTTPRequestHandler):
    owner: Provider
    server_version = "TestOIDC/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test records events itself
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        provider = self.owner
        try:
            if url.path == "/.well-known/openid-configuration":
                self._json(provider.metadata())
            elif url.path == "/jwks":
                self._json(provider.jwks())
            elif url.path == "/authorize":
                self._chooser(provider.authorization_request(query))
            elif url.path == "/userinfo":
                self._json(provider.userinfo(self.headers.get("Authorization")))
            elif url.path == "/logout":
                self._redirect(provider.logout(query))
            else:
                self._json({"error": "not_found"}, status=404)
        except _OAuthError as exc:
            self._json({"error": exc.error, "error_description": exc.description}, status=exc.status)

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
        provider = self.owner
        try:
            if url.path == "/authorize":
                self._redirect(provider.approve(form.get("request", ""), form.get("person", "")))
            elif url.path == "/token":
                self._json(provider.token(form, self.headers.get("Authorization")), no_store=True)
            elif url.path == "/userinfo":
                self._json(provider.userinfo(self.headers.get("Authorization")))
            else:
                self._json({"error": "not_found"}, status=404)
        except _OAuthError as exc:
            self._json({"error": exc.error, "error_description": exc.description}, status=exc.status)

    def _json(self, body: dict[str, Any], status: int = 200, no_store: bool = False) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if no_store:
            self.send_header("Cache-Control", "no-store")
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _chooser(self, pending: str) -> None:
        buttons = "".join(
            f'<button type="submit" name="person" value="{html.escape(key)}">Continue as {html.escape(i.name)} '
            f"({html.escape(i.email)})</button><br>" for key, i in self.owner.identities.items())
        page = (f"<!doctype html><html><head><title>Test identity provider</title></head><body>"
                f"<h1>Choose an account</h1><form method=\"post\" action=\"/authorize\">"
                f"<input type=\"hidden\" name=\"request\" value=\"{html.escape(pending)}\">{buttons}</form>"
                f"</body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
