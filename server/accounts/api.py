"""JSON API for users and tokens: /api/v1/me, /users, /tokens."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from server.accounts import service
from server.accounts.auth import api_user
from server.accounts.schemas import (TokenCreateSchema, TokenDumpSchema, UserCreateSchema,
                                     UserDumpSchema, UserQuerySchema, UserUpdateSchema, load)
from server.db import unit_of_work
from server.errors import BadRequest

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象", "The request body must be a JSON object", code="bad_json")
    return body


@bp.get("/me")
def me():
    """The user the token belongs to.
    ---
    get:
      summary: 当前用户 / the current user
      responses:
        200:
          description: the user
          content:
            application/json:
              schema: server.accounts.schemas.UserDumpSchema
        401:
          description: no or bad token
    """
    user = api_user()
    with unit_of_work():
        body = UserDumpSchema().dump(user)
    return jsonify(body)


@bp.get("/users")
def list_users():
    """Users inside the caller's areas.
    ---
    get:
      summary: 用户列表（管理员）/ list users (admins)
      parameters:
        - {in: query, name: role, schema: {type: string, enum: [admin, designer, township, supervisor, cadre]}}
        - {in: query, name: area, schema: {type: string}, description: "area code: users scoped to it or below"}
      responses:
        200:
          description: "{users: [...]}"
        403:
          description: not allowed to view users
        404:
          description: area not found or outside the caller's areas
    """
    actor = api_user()
    q = load(UserQuerySchema(), request.args)
    with unit_of_work():
        users = service.list_users(actor=actor, role=q["role"], area_code=q["area"])
        body = {"users": UserDumpSchema(many=True).dump(users)}
    return jsonify(body)


@bp.post("/users")
def create_user():
    """Create a user.
    ---
    post:
      summary: 创建用户 / create a user
      requestBody:
        required: true
        content:
          application/json:
            schema: server.accounts.schemas.UserCreateSchema
      responses:
        201:
          description: the new user
          content:
            application/json:
              schema: server.accounts.schemas.UserDumpSchema
        403:
          description: an area lies outside the caller's areas
        409:
          description: username taken
        422:
          description: bad field (role, area code, password, username)
    """
    actor = api_user()
    data = load(UserCreateSchema(), _json_body())
    with unit_of_work():
        user = service.create_user(data["username"], data["password"], data["role"], data["areas"], actor=actor,
                                   display_name=data["display_name"], phone=data["phone"])
        body = UserDumpSchema().dump(user)
    return jsonify(body), 201


@bp.get("/users/<int:user_id>")
def get_user(user_id: int):
    """One user.
    ---
    get:
      summary: 用户详情 / one user
      parameters:
        - {in: path, name: user_id, required: true, schema: {type: integer}}
      responses:
        200:
          description: the user
          content:
            application/json:
              schema: server.accounts.schemas.UserDumpSchema
        403:
          description: not allowed to view users
        404:
          description: no such user inside the caller's areas
    """
    actor = api_user()
    with unit_of_work():
        body = UserDumpSchema().dump(service.get_user(user_id, actor=actor))
    return jsonify(body)


@bp.patch("/users/<int:user_id>")
def update_user(user_id: int):
    """Change role, areas, active flag, name, phone or password.
    ---
    patch:
      summary: 修改用户（角色、区划、启用、重置密码）/ update a user
      parameters:
        - {in: path, name: user_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: server.accounts.schemas.UserUpdateSchema
      responses:
        200:
          description: the user after the change
          content:
            application/json:
              schema: server.accounts.schemas.UserDumpSchema
        403:
          description: not allowed
        404:
          description: no such user inside the caller's areas
        422:
          description: bad field
    """
    actor = api_user()
    data = load(UserUpdateSchema(), _json_body())
    with unit_of_work():
        user = service.update_user(user_id, actor=actor, role=data.get("role"), area_codes=data.get("areas"),
                                   active=data.get("active"), display_name=data.get("display_name"),
                                   phone=data.get("phone"), password=data.get("password"))
        body = UserDumpSchema().dump(user)
    return jsonify(body)


@bp.get("/tokens")
def list_tokens():
    """The caller's own API tokens (never their secrets).
    ---
    get:
      summary: 我的 API 令牌 / my API tokens
      responses:
        200:
          description: "{tokens: [...]}"
    """
    actor = api_user()
    with unit_of_work():
        body = {"tokens": TokenDumpSchema(many=True).dump(service.list_tokens(actor, actor=actor))}
    return jsonify(body)


@bp.post("/tokens")
def create_token():
    """A new token for the caller; the secret is in this answer only.
    ---
    post:
      summary: 创建 API 令牌 / create an API token
      requestBody:
        content:
          application/json:
            schema: server.accounts.schemas.TokenCreateSchema
      responses:
        201:
          description: the token, with its secret shown once
          content:
            application/json:
              schema: server.accounts.schemas.TokenCreatedDumpSchema
    """
    actor = api_user()
    body = request.get_json(silent=True)
    data = load(TokenCreateSchema(), body if isinstance(body, dict) else {})
    with unit_of_work():
        token, secret = service.create_token(actor, data["name"], actor=actor)
        out = {**TokenDumpSchema().dump(token), "token": secret}
    resp = jsonify(out)
    resp.headers["Cache-Control"] = "no-store"
    return resp, 201


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    """Revoke a token.
    ---
    delete:
      summary: 吊销 API 令牌 / revoke an API token
      parameters:
        - {in: path, name: token_id, required: true, schema: {type: integer}}
      responses:
        204:
          description: revoked (also when it already was)
        404:
          description: no such token of the caller (or, for admins, of a user in their areas)
    """
    actor = api_user()
    with unit_of_work():
        service.revoke_token(token_id, actor=actor)
    return "", 204
