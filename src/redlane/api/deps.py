"""Dependencies the routes and pages declare by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from redlane.api.state import db_session

# A session in one transaction for the request (committed when the route succeeds).
SessionDep = Annotated[Session, Depends(db_session)]
