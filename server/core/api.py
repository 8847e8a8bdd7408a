"""The API root: the OpenAPI document describing every /api/v1 route."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")


def build_spec(app) -> dict:
    spec = APISpec(
        title="zoufang API",
        version="1",
        openapi_version="3.0.3",
        info={"description": "扶贫走访服务器 JSON API。认证：Authorization: Bearer <token>（zoufang user token 生成）。"},
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.options["security"] = [{"bearer": []}]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        spec.path(view=view, app=app)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    """OpenAPI document.
    ---
    get:
      summary: OpenAPI 3 document of this API
      security: []
      responses:
        200:
          description: the document
    """
    if "zoufang_openapi" not in current_app.extensions:
        current_app.extensions["zoufang_openapi"] = build_spec(current_app)
    return jsonify(current_app.extensions["zoufang_openapi"])
