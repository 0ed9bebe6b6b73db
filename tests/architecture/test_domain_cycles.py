"""Central's domain folders must not import each other in circles (#12 item 5).

A domain folder (`central/sales`, `central/members` …) may import another when it needs it, but not
back: a cycle means neither can be read, tested or changed on its own. The graph is read with `ast`
from every import, module level and inside functions alike (a late import is still a dependency).
The outer layers that by design call every domain (`api`, `console`, `commands`, `demo`, `excel`,
`migrations`) and the shared kernel modules at the top of `central/` (`errors.py`, `db.py` …) are
not domains.

Cycles still exist: `KNOWN_CYCLE_EDGES` lists every import edge that lies on one today. The test
fails when an import adds an edge that closes a new cycle (or extends an old one); when you break a
cycle, delete its edges here so it cannot come back.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.architecture.doors import ROOT

NOT_DOMAINS = frozenset({"api", "commands", "console", "demo", "excel", "migrations"})

KNOWN_CYCLE_EDGES = frozenset("""
attachments>customers audit>auth auth>org auth>users catalog>syncing customers>catalog
customers>pricing customers>syncing field>attachments field>catalog field>customers field>finance
field>orders field>pricing field>syncing finance>customers finance>syncing inventory>catalog
inventory>kits kits>catalog kits>inventory members>catalog members>pricing members>syncing
orders>catalog orders>customers orders>field orders>finance orders>inventory orders>pricing
orders>sales orders>syncing org>audit org>auth org>users pricing>catalog review>auth sales>catalog
sales>customers sales>finance sales>inventory sales>members sales>pricing sales>syncing
stored_value>members stored_value>sales stored_value>syncing syncing>catalog syncing>customers
syncing>field syncing>finance syncing>inventory syncing>members syncing>orders syncing>pricing
syncing>sales syncing>stored_value syncing>vouchers users>auth users>org users>review
vouchers>catalog vouchers>members vouchers>sales vouchers>stored_value vouchers>syncing
auth>audit
""".split())
"""`importer>imported` edges on a cycle on the day this test was written (the debt to pay off).
`auth>audit` (the login guard and the guess throttle audit failed sign-ins) landed the same day,
inside the auth/org/users/audit knot that was already there; it goes when that knot is untied."""


def domain_imports(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """importer domain → imported domain → where (`path:line`), for every import between domains."""
    central = root / "central"
    domains = {p.name for p in central.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - NOT_DOMAINS
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for domain in sorted(domains):
        for path in sorted((central / domain).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names]
                                             if node.module == "central" else [])
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if len(parts) >= 2 and parts[0] == "central" and parts[1] in domains and parts[1] != domain:
                        graph[domain][parts[1]].append(f"{path.relative_to(root)}:{node.lineno}")
    return graph


def edges_on_cycles(graph: dict[str, dict[str, list[str]]]) -> set[str]:
    """Every `a>b` edge whose target can reach back to its source (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    part: dict[str, int] = {}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part[w] = index[v]
                if w == v:
                    break

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return {f"{a}>{b}" for a, targets in graph.items() for b in targets if part.get(a) == part.get(b)}


def test_the_cycle_finder_sees_direct_and_longer_cycles(tmp_path: Path) -> None:
    for name, imports in {"a": "from central.b import x\n", "b": "def f():\n    from central.c import y\n",
                          "c": "import central.a.service\n", "d": "from central.a import z\n",
                          "console": "from central.d import w\n"}.items():
        (tmp_path / "central" / name).mkdir(parents=True)
        (tmp_path / "central" / name / "__init__.py").write_text("")
        (tmp_path / "central" / name / "service.py").write_text(imports)
    graph = domain_imports(tmp_path)
    assert "console" not in graph
    assert edges_on_cycles(graph) == {"a>b", "b>c", "c>a"}  # d → a is one-way


def test_no_new_import_cycle_between_central_domains() -> None:
    graph = domain_imports()
    new = sorted(edges_on_cycles(graph) - KNOWN_CYCLE_EDGES)
    where = [f"{e}: {', '.join(graph[e.split('>')[0]][e.split('>')[1]][:3])}" for e in new]
    assert not new, ("these imports close a cycle between central's domains; move the shared piece to "
                     "its owner (or central/errors.py, sync/) or pass a function in:\n" + "\n".join(where))
