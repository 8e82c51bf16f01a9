"""The accounts domain: signing in and out, who is asking, users and teams."""

from __future__ import annotations

from server.accounts.controller import AdminPeopleController, AuthController, MeController
from server.registry import Domain

DOMAIN = Domain("accounts", routes=[AuthController, MeController, AdminPeopleController])
