"""Every console list as an Excel file, through one door: the list's own page with `?export=xlsx`.

A list page builds its filtered statement once and hands it, with its `ListExport` (the sheet's
title and bilingual columns) and how one row becomes cells, to `list_page`. Without `export` the
page renders one keyset page; with `export=xlsx` the same statement, the same filters and the same
sort stream every row into an .xlsx (`central.excel.writer`: constant memory, money as yuan with two
decimals from fen, times in the store's time zone). So the file holds exactly what the page shows,
page after page, and no list keeps an export route of its own that could drift from its page.
Pages that are not keyset lists (reports computed whole, short settings lists) answer the same
`?export=xlsx` with `ListExport.response`. The 导出 Excel button (`export_url`) is this page's URL
with `export=xlsx` and without the page cursor.

Headers are Chinese over English; a viewer reading the console in English gets English over Chinese
(and Yes/No for 是/否), file and sheet named in English. An import reads either layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from central.console.listing import Listing, PageOf
from central.console.web import Viewer, query_url, render
from central.excel import Column, Sheet, xlsx_response

EXPORT_PARAM = "export"
EXPORT_VALUE = "xlsx"


def wants_export(request: Request) -> bool:
    return request.query_params.get(EXPORT_PARAM) == EXPORT_VALUE


def export_url(request: Request) -> str:
    """This list's URL as an Excel download: every filter and the sort kept, the page cursor dropped."""
    return query_url(request, **{EXPORT_PARAM: EXPORT_VALUE, "after": None, "before": None, "limit": None})


@dataclass(frozen=True)
class ListExport:
    """What a list's Excel file is called and which columns it has (in the page's order)."""

    title: str
    title_en: str
    columns: Sequence[Column]

    def response(self, viewer: Viewer, rows: Iterable[Sequence[Any]], *, suffix: str = "") -> Response:
        """The .xlsx download of `rows` (lazy: a generator over a database cursor is the intended one)."""
        english = viewer.locale == "en"
        title = self.title_en if english else self.title
        sheet = Sheet(title, self.columns, rows, english_first=english)
        response: Response = xlsx_response([sheet], f"{title}{suffix}.xlsx")
        return response


def list_page(request: Request, viewer: Viewer, session: Session, listing: Listing, stmt: Any, *,
              export: ListExport, cells: Callable[[Any], Sequence[Any]] | None = None,
              rows_of: Callable[[Any], Iterable[Sequence[Any]]] | None = None, template: str | None = None,
              render_with: Callable[[PageOf, str], Response] | None = None,
              per_page: Callable[[PageOf], dict[str, Any]] | None = None, suffix: str = "",
              **context: Any) -> Response:
    """A keyset-paged list page, or (`?export=xlsx`) every row of it as Excel.

    `stmt` is the list's filtered, unordered statement; `cells` turns one row (as the page gets it:
    an entity, or a tuple when the statement selects several things) into the export's cells
    (`rows_of` instead: into several rows, e.g. a product's units of sale). The
    page is `template` rendered with `page`, `export_url` and `context` (plus what `per_page` adds
    from the page's rows), or whatever `render_with(page, export_url)` makes of it."""
    params = listing.params(request)
    if wants_export(request):
        rows: Iterator[Sequence[Any]]
        if rows_of is not None:
            rows = (cells_ for r in listing.stream(session, stmt, params) for cells_ in rows_of(r))
        elif cells is not None:
            rows = (cells(r) for r in listing.stream(session, stmt, params))
        else:
            raise ValueError("list_page needs cells or rows_of")
        return export.response(viewer, rows, suffix=suffix)
    result = listing.page(session, stmt, params)
    if render_with is not None:
        return render_with(result, export_url(request))
    if template is None:
        raise ValueError("list_page needs a template or render_with")
    extra = per_page(result) if per_page is not None else {}
    return render(request, viewer, template, page=result, export_url=export_url(request), **context, **extra)
