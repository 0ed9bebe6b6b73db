"""Shared FastAPI dependencies: the request's database session and common parameter types.

One request = one transaction. The session dependency has `scope="function"`, so it commits
right after the endpoint returns and *before* the response is sent: a failing commit (say a
unique violation) still becomes a clean 4xx instead of a 200 for a change that never happened.
Requests that may write (anything but GET/HEAD/OPTIONS) take SQLite's write lock up front.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from central.db import begin_for

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2_147_483_647
"""Largest id an `integer` column holds on PostgreSQL; bigger ids are refused at validation."""


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the endpoint returns, rolled back when it raises."""
    session: Session = request.app.state.sessionmaker()
    try:
        begin_for(session, write=request.method not in READ_METHODS)
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Use as `session: SessionDep` in an endpoint (services flush, never commit)."""



IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
"""An id in the URL path: `def get(product_id: IdPath)`."""

IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional id filter in the query string: `store_id: IdQuery = None`."""
