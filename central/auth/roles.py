"""Roles and permissions: which role may do what, in one table.

A permission is `<area>.<verb>`; every endpoint requires one. Store-scoped roles
(store manager, cashier) also only see their own store's rows; a sales rep only their
own customers. Devices (enrolled terminals) get permissions by their kind.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    STORE_MANAGER = "store_manager"
    CASHIER = "cashier"
    SALES_REP = "sales_rep"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"


ROLE_NAMES_ZH: dict[Role, str] = {
    Role.ADMIN: "系统管理员", Role.STORE_MANAGER: "店长", Role.CASHIER: "收银员",
    Role.SALES_REP: "业务员", Role.WAREHOUSE: "仓管", Role.FINANCE: "财务",
}

STORE_SCOPED_ROLES: frozenset[Role] = frozenset({Role.STORE_MANAGER, Role.CASHIER})
"""Roles that must belong to a store and only see that store's rows."""


class Permission(StrEnum):
    ORG_READ = "org.read"
    ORG_WRITE = "org.write"
    TERMINALS_MANAGE = "terminals.manage"
    USERS_READ = "users.read"
    USERS_WRITE = "users.write"
    CATALOG_READ = "catalog.read"
    CATALOG_WRITE = "catalog.write"
    PRICING_READ = "pricing.read"
    PRICING_WRITE = "pricing.write"
    MEMBERS_READ = "members.read"
    MEMBERS_WRITE = "members.write"
    """Sign members up and change their contact fields (name, phone, birthday); store-scoped roles only
    for members of their own store (`central.members.service.CONTACT_FIELDS`)."""
    MEMBERS_MANAGE = "members.manage"
    """Change a member's card number, level or active flag (store managers: members of their store)."""
    MEMBERS_ADJUST_POINTS = "members.adjust_points"
    """Correct a member's points by hand (with a reason, audited): a head-office action (admin, finance)."""
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_WRITE = "customers.write"
    INVENTORY_READ = "inventory.read"
    INVENTORY_WRITE = "inventory.write"
    SALES_READ = "sales.read"
    RECEIVABLES_READ = "receivables.read"
    RECEIVABLES_WRITE = "receivables.write"
    REPORTS_READ = "reports.read"
    AUDIT_READ = "audit.read"
    """Read the audit trail (who changed what)."""
    SYNC = "sync"
    """Push events and pull master data (devices only)."""
    REVIEW_READ = "review.read"
    """Read the review list of claims central did not believe (store-scoped roles: their store's)."""
    REVIEW_RESOLVE = "review.resolve"
    """Resolve flags on the review list (head office)."""
    STORED_VALUE_READ = "stored_value.read"
    """Read members' stored-value balances and movements, and the top-up bonus rules."""
    STORED_VALUE_WRITE = "stored_value.write"
    """Set top-up bonus rules and adjust balances (head office)."""
    VOUCHERS_READ = "vouchers.read"
    """Look vouchers up (a till checks a code online) and read batches."""
    VOUCHERS_WRITE = "vouchers.write"
    """Create voucher batches, issue and void codes (head office)."""
    PURCHASING_READ = "purchasing.read"
    """Read purchase orders, receipts, supplier returns, supplier prices and reorder suggestions."""
    PURCHASING_WRITE = "purchasing.write"
    """Draft and submit purchase orders, receive goods, return goods to suppliers, set supplier prices."""
    PURCHASING_APPROVE = "purchasing.approve"
    """Approve purchase orders above the approval amount, over-receipts and cost corrections."""
    COSTS_READ = "costs.read"
    """See cost prices, stock value and gross margin."""
    ORDERS_READ = "orders.read"
    ORDERS_WRITE = "orders.write"
    """Enter orders at head office."""
    ORDERS_APPROVE = "orders.approve"
    """Approve, reject, edit held orders; cancel or close orders (credit control)."""
    DELIVERIES_WRITE = "deliveries.write"
    """Deliver or cancel delivery notes, record leftovers and returns."""
    REPS_MANAGE = "reps.manage"
    """Set reps' visit plans and monthly targets, customer types' visit steps, floor prices."""


P = Permission

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(p for p in Permission if p is not P.SYNC),
    Role.STORE_MANAGER: frozenset({
        P.ORG_READ, P.TERMINALS_MANAGE, P.USERS_READ, P.USERS_WRITE, P.CATALOG_READ, P.PRICING_READ,
        P.MEMBERS_READ, P.MEMBERS_WRITE, P.MEMBERS_MANAGE, P.CUSTOMERS_READ, P.INVENTORY_READ,
        P.INVENTORY_WRITE, P.SALES_READ, P.REPORTS_READ, P.REVIEW_READ, P.STORED_VALUE_READ, P.VOUCHERS_READ,
        P.PURCHASING_READ, P.ORDERS_READ, P.ORDERS_WRITE, P.ORDERS_APPROVE, P.DELIVERIES_WRITE,
    }),
    Role.CASHIER: frozenset({P.ORG_READ, P.CATALOG_READ, P.PRICING_READ, P.MEMBERS_READ, P.MEMBERS_WRITE,
                             P.STORED_VALUE_READ, P.VOUCHERS_READ}),
    Role.SALES_REP: frozenset({
        P.ORG_READ, P.CATALOG_READ, P.PRICING_READ, P.CUSTOMERS_READ, P.CUSTOMERS_WRITE,
        P.RECEIVABLES_READ, P.ORDERS_READ, P.ORDERS_WRITE,
    }),
    Role.WAREHOUSE: frozenset({
        P.ORG_READ, P.CATALOG_READ, P.CATALOG_WRITE, P.INVENTORY_READ, P.INVENTORY_WRITE,
        P.PURCHASING_READ, P.PURCHASING_WRITE, P.COSTS_READ, P.ORDERS_READ, P.DELIVERIES_WRITE,
    }),
    Role.FINANCE: frozenset({
        P.ORG_READ, P.CATALOG_READ, P.PRICING_READ, P.MEMBERS_READ, P.MEMBERS_ADJUST_POINTS, P.CUSTOMERS_READ,
        P.SALES_READ, P.RECEIVABLES_READ, P.RECEIVABLES_WRITE, P.REPORTS_READ, P.INVENTORY_READ, P.REVIEW_READ,
        P.REVIEW_RESOLVE, P.STORED_VALUE_READ, P.STORED_VALUE_WRITE, P.VOUCHERS_READ,
        P.PURCHASING_READ, P.PURCHASING_APPROVE, P.COSTS_READ, P.ORDERS_READ, P.ORDERS_APPROVE,
    }),
}


class DeviceKind(StrEnum):
    POS = "pos"
    """A cashier POS in a store."""
    REP = "rep"
    """A sales rep's tablet, bound to the rep (and the rep's home store)."""


DEVICE_PERMISSIONS: dict[DeviceKind, frozenset[Permission]] = {
    DeviceKind.POS: frozenset({P.SYNC, P.CATALOG_READ, P.PRICING_READ, P.MEMBERS_READ, P.ORG_READ,
                               P.STORED_VALUE_READ, P.VOUCHERS_READ}),
    DeviceKind.REP: frozenset({P.SYNC, P.CATALOG_READ, P.PRICING_READ, P.CUSTOMERS_READ, P.ORG_READ,
                               P.ORDERS_READ}),
}


def roles_table_markdown() -> str:
    """The role → permission table as Markdown (docs/roles.md holds it; a test keeps the two equal)."""
    roles = list(Role)
    head = "| permission | " + " | ".join(f"{ROLE_NAMES_ZH[r]} {r.value}" for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [f"| `{p.value}` | " + " | ".join("✔" if p in ROLE_PERMISSIONS[r] else "" for r in roles) + " |"
            for p in Permission if p is not Permission.SYNC]
    return "\n".join([head, rule, *rows]) + "\n"
