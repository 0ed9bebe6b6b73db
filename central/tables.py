"""Every module that declares central's tables, imported in one place, .

Alembic compares one `MetaData` with the database and the app creates sessions over all tables, so
both need every model module imported first; listing them as imports (not module-name strings)
lets a reader jump to each. A new domain adds one import line here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from central.attachments import models as attachments_models  # noqa: F401
from central.audit import models as audit_models  # noqa: F401
from central.auth import models as auth_models  # noqa: F401
from central.catalog import models as catalog_models  # noqa: F401
from central.console import models as console_models  # noqa: F401
from central.counts import models as counts_models  # noqa: F401
from central.customers import models as customers_models  # noqa: F401
from central.db import Base
from central.excel import models as excel_models  # noqa: F401
from central.field import models as field_models  # noqa: F401
from central.finance import models as finance_models  # noqa: F401
from central.inventory import models as inventory_models  # noqa: F401
from central.kits import models as kits_models  # noqa: F401
from central.loans import models as loans_models  # noqa: F401
from central.members import models as members_models  # noqa: F401
from central.orders import models as orders_models  # noqa: F401
from central.org import models as org_models  # noqa: F401
from central.pricing import models as pricing_models  # noqa: F401
from central.purchasing import models as purchasing_models  # noqa: F401
from central.reporting import models as reporting_models  # noqa: F401
from central.review import models as review_models  # noqa: F401
from central.sales import models as sales_models  # noqa: F401
from central.stored_value import models as stored_value_models  # noqa: F401
from central.syncing import models as syncing_models  # noqa: F401
from central.users import models as users_models  # noqa: F401
from central.vouchers import models as vouchers_models  # noqa: F401


def import_all_models() -> MetaData:
    """The metadata of every central table (all model modules are imported by this module)."""
    return Base.metadata
