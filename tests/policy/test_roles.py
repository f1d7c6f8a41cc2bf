"""The role vocabulary has one home (``redlane.policy.roles``): the service and brand isolation
import its names rather than spelling them again."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from redlane.api import roles as api_roles
from redlane.brands import scope
from redlane.policy import roles

SRC = Path(__file__).resolve().parents[2] / "src" / "redlane"
ROLE_NAMES = {*roles.USER_ROLES, roles.MACHINE}


def test_the_service_and_brands_use_the_policy_names() -> None:
    assert api_roles.USER_ROLES is roles.USER_ROLES
    assert api_roles.ROLE_PARTNER is roles.ROLE_PARTNER
    assert api_roles.ALL_PARTNERS is roles.ALL_PARTNERS
    assert (api_roles.ADMIN, api_roles.MACHINE) == (roles.ADMIN, roles.MACHINE)
    assert (scope.ADMIN, scope.RIGHTS_HOLDER) == (roles.ADMIN, roles.RIGHTS_HOLDER)
    assert set(roles.ROLE_PARTNER) == set(roles.USER_ROLES)


@pytest.mark.parametrize("module", ["api/roles.py", "brands/scope.py"])
def test_no_role_name_is_assigned_outside_the_vocabulary(module: str) -> None:
    """A module-level constant spelling a role name again would let the two drift apart."""
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    spelled = [
        node.lineno
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and node.value.value in ROLE_NAMES
    ]
    assert not spelled, f"{module} spells role names again at lines {spelled}"
