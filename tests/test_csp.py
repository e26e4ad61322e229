"""Pages tell the browser to run only Meshport's own scripts and styles (Content-Security-Policy)."""
import pytest

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"


def _directives(response) -> dict[str, list[str]]:
    assert CSP in response, f"no {CSP} header on {response.request['PATH_INFO']}"
    parts = (d.split() for d in response[CSP].split(";") if d.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("url", ["/", "/domains/", "/search/?q=orders", "/accounts/login/", "/lineage/"])
def test_pages_allow_only_their_own_scripts_and_styles(client, url):
    policy = _directives(client.get(url))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_each_response_gets_its_own_nonce_for_the_api_docs(client):
    first, second = (_directives(client.get("/api/docs/")) for _ in range(2))
    nonces = [next(v for v in p["script-src"] if v.startswith("'nonce-")) for p in (first, second)]
    assert nonces[0] != nonces[1]
    assert "'unsafe-inline'" not in first["script-src"]


def test_the_api_docs_run_their_inline_script_by_nonce(client):
    response = client.get("/api/docs/")
    nonce = next(v for v in _directives(response)["script-src"] if v.startswith("'nonce-"))[7:-1]
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_redoc_alone_may_inject_styles_but_never_inline_script(client):
    policy = _directives(client.get("/api/redoc/"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in _directives(client.get("/api/docs/"))["style-src"]
