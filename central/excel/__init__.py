"""Excel in and out: a streaming writer every list export uses, and imports of master data.

For another slice's "export this list":

    from central.excel import Column, Kind, Sheet, xlsx_response
    columns = [Column("商品编码", "SKU"), Column("零售价（元）", "Price (yuan)", Kind.MONEY)]
    return xlsx_response([Sheet("商品", columns, ((p.sku, p.price_fen) for p in rows))], "商品.xlsx")

`write_xlsx(path_or_file, sheets)` writes to a path or an open binary file instead.
"""

from central.excel.columns import Column, Kind
from central.excel.writer import Sheet, write_xlsx, xlsx_response, xlsx_to_tempfile

__all__ = ["Column", "Kind", "Sheet", "write_xlsx", "xlsx_response", "xlsx_to_tempfile"]
