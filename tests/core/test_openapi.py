from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_documents_every_api_route(app, client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.json
    validate(spec)
    documented = {
        (path, method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule
        for conv in rule.arguments:
            path = path.replace(f"<{conv}>", "{%s}" % conv)
            for kind in ("int", "string", "path"):
                path = path.replace(f"<{kind}:{conv}>", "{%s}" % conv)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"API routes without an OpenAPI operation: {missing}"
